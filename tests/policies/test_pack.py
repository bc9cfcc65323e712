"""The pack as the CLI sees it: metadata, config schemas, enforcement levels, exemptions."""

from __future__ import annotations

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2

from ecs_blue_green_policies.pack import PACK_NAME, RULES
from tests.policies.analyzer import ENGINE_ADDRESS, UNKNOWN, PackClient, running_pack
from tests.policies.fixtures import (
    AWS_SERVICE_CODE_DEPLOY,
    AWS_TARGET_GROUP,
    DELETE,
    NATIVE_SERVICE_CODE_DEPLOY,
    NATIVE_TASK_DEFINITION,
)

MANDATORY = {
    "ecs-service-blue-green",
    "target-group-health-check",
    "ecs-container-health-check",
    "codedeploy-ecs-blue-green",
    "codedeploy-service-has-deployment-group",
    "listener-rule-priority-unique",
    "ecs-service-listener-rules",
}
ADVISORY = {
    "ecs-service-health-check-grace-period",
    "ecs-service-rollback-on-failure",
    "codedeploy-alarm-rollback",
    "test-listener-not-public",
    "target-group-deregistration-delay",
    "ecr-scan-on-push",
    "ecr-immutable-tags",
    "ecs-container-hardening",
    "ecs-container-logging",
    "alb-drop-invalid-headers",
    "ecs-container-secret-environment",
    "ecs-service-execute-command",
}
STACK_POLICIES = {
    "codedeploy-service-has-deployment-group",
    "test-listener-not-public",
    "listener-rule-priority-unique",
    "ecs-service-listener-rules",
}
ROLLING = ((("deploymentController",), DELETE),)


def _rolling_service(*mutations: tuple[tuple[str, ...], object]) -> dict[str, object]:
    return AWS_SERVICE_CODE_DEPLOY.props(
        *ROLLING, (("deploymentCircuitBreaker",), {"enable": True, "rollback": True}), *mutations
    )


def test_info_names_the_pack_and_its_fixed_rule_ids_and_levels(pack: PackClient) -> None:
    assert pack.info.name == PACK_NAME == "ecs-blue-green"
    assert pack.info.supportsConfig
    assert pack.default_levels() == {
        **dict.fromkeys(MANDATORY, "mandatory"),
        **dict.fromkeys(ADVISORY, "advisory"),
    }
    stack = {p.name for p in pack.info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK}
    assert stack == STACK_POLICIES
    assert all(p.remediation_steps and p.description for p in pack.info.policies)


def test_pack_also_starts_as_python_main_py_inside_its_directory() -> None:
    with running_pack(command=["-u", "__main__.py", ENGINE_ADDRESS]) as client:
        assert client.info.name == PACK_NAME
        assert len(client.info.policies) == len(RULES)


def test_schema_defaults_equal_code_defaults(pack: PackClient) -> None:
    defaults = pack.schema_defaults()
    for rule in RULES:
        assert defaults[rule.info.id] == rule.info.resolve_config({}), rule.info.id
        assert {"exemptionTag", "exemptResourceNames"} <= defaults[rule.info.id].keys()


def test_cli_applied_schema_defaults_change_nothing(pack: PackClient) -> None:
    cases = [
        (AWS_SERVICE_CODE_DEPLOY.type, _rolling_service((("healthCheckGracePeriodSeconds",), 5))),
        (AWS_TARGET_GROUP.type, AWS_TARGET_GROUP.props((("deregistrationDelay",), "61"))),
    ]
    without = [pack.analyze(t, p).diagnostics for t, p in cases]
    pack.configure(schema_defaults=True)
    with_defaults = [pack.analyze(t, p).diagnostics for t, p in cases]
    assert with_defaults == without
    assert all(without)


@pytest.mark.parametrize(("level", "expected"), [("advisory", ["advisory"]), ("disabled", [])])
def test_enforcement_level_is_configurable(
    pack: PackClient, level: str, expected: list[str]
) -> None:
    pack.configure({"ecs-service-blue-green": {"enforcementLevel": level}})
    result = pack.analyze(AWS_SERVICE_CODE_DEPLOY.type, _rolling_service())
    assert [d.level for d in result.of("ecs-service-blue-green")] == expected


def test_mandatory_violation_is_reported_as_mandatory(pack: PackClient) -> None:
    result = pack.analyze(AWS_SERVICE_CODE_DEPLOY.type, _rolling_service(), "checkout")
    (diagnostic,) = result.of("ecs-service-blue-green")
    assert diagnostic.level == "mandatory"
    assert diagnostic.message.startswith("ECS services behind a load balancer must deploy")
    assert "\ncheckout (aws:ecs/service:Service): `deploymentConfiguration.strategy`" in (
        diagnostic.message
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"minimumSeconds": "ten"}, "minimumSeconds must be of type integer, got 'ten'"),
        ({"minimumSeconds": 1.5}, "minimumSeconds must be an integer, got 1.5"),
        ({"minimumSeconds": -1}, "minimumSeconds must be at least 0, got -1"),
        ({"minimumSecs": 1}, "minimumSecs is unknown; allowed: exemptResourceNames, exemptionTag"),
        ({"exemptResourceNames": "legacy-*"}, "exemptResourceNames must be of type array"),
    ],
)
def test_bad_config_fails_with_the_setting_named(
    pack: PackClient, config: dict[str, object], message: str
) -> None:
    pack.configure({"ecs-service-health-check-grace-period": config})
    with pytest.raises(grpc.RpcError) as error:
        pack.analyze(AWS_SERVICE_CODE_DEPLOY.type, AWS_SERVICE_CODE_DEPLOY.props())
    assert f"policy config ecs-service-health-check-grace-period.{message}" in str(
        error.value.details()
    )


def test_unrelated_resources_are_left_alone(pack: PackClient) -> None:
    result = pack.analyze("aws:s3/bucket:Bucket", {"bucket": "logs", "tags": {"a": "b"}})
    assert result.diagnostics == []
    assert result.not_applicable == {}


@pytest.mark.parametrize(
    ("tags", "exempt_from"),
    [
        (
            {"blue-green-exempt": "true"},
            {"ecs-service-blue-green", "ecs-service-health-check-grace-period"},
        ),
        (
            {"blue-green-exempt": "all"},
            {"ecs-service-blue-green", "ecs-service-health-check-grace-period"},
        ),
        ({"blue-green-exempt": "ecs-service-blue-green"}, {"ecs-service-blue-green"}),
        (
            {"blue-green-exempt": "ecs-service-health-check-grace-period ecs-service-blue-green"},
            {"ecs-service-blue-green", "ecs-service-health-check-grace-period"},
        ),
        ({"blue-green-exempt": "false"}, set()),
        ({"other": "true"}, set()),
    ],
)
def test_exemption_tag(pack: PackClient, tags: dict[str, str], exempt_from: set[str]) -> None:
    props = _rolling_service((("tags",), tags), (("healthCheckGracePeriodSeconds",), DELETE))
    result = pack.analyze(AWS_SERVICE_CODE_DEPLOY.type, props)
    reported = {d.policy for d in result.diagnostics}
    both = {"ecs-service-blue-green", "ecs-service-health-check-grace-period"}
    assert reported == both - exempt_from
    for rule in exempt_from:
        assert "exempted by tag 'blue-green-exempt'" in result.not_applicable[rule]


def test_exemption_tag_in_aws_native_list_form(pack: PackClient) -> None:
    props = NATIVE_SERVICE_CODE_DEPLOY.props(
        (("deploymentController", "type"), "EXTERNAL"),
        (("tags",), [{"key": "team", "value": "a"}, {"key": "blue-green-exempt", "value": "true"}]),
    )
    result = pack.analyze(NATIVE_SERVICE_CODE_DEPLOY.type, props)
    assert result.diagnostics == []
    assert "ecs-service-blue-green" in result.not_applicable


def test_exemption_tag_name_is_configurable(pack: PackClient) -> None:
    props = NATIVE_TASK_DEFINITION.props(
        (("containerDefinitions", 0, "healthCheck"), DELETE),
        (("tags",), [{"key": "legacy", "value": "ecs-container-health-check"}]),
    )
    assert pack.analyze(NATIVE_TASK_DEFINITION.type, props).of("ecs-container-health-check")
    pack.configure({"ecs-container-health-check": {"exemptionTag": "legacy"}})
    assert pack.analyze(NATIVE_TASK_DEFINITION.type, props).diagnostics == []


@pytest.mark.parametrize(("name", "exempt"), [("legacy-api", True), ("api-legacy", False)])
def test_exempt_resource_name_patterns(pack: PackClient, name: str, exempt: bool) -> None:
    pack.configure({"ecs-service-blue-green": {"exemptResourceNames": ["legacy-*", "batch"]}})
    result = pack.analyze(AWS_SERVICE_CODE_DEPLOY.type, _rolling_service(), name)
    assert bool(result.of("ecs-service-blue-green")) is not exempt


def test_unknown_exemption_tag_value_is_silent(pack: PackClient) -> None:
    props = _rolling_service((("tags",), {"blue-green-exempt": UNKNOWN}))
    assert pack.analyze(AWS_SERVICE_CODE_DEPLOY.type, props).diagnostics == []
