"""Each resource rule through the running pack: compliant baselines, one mutation per
violation (aws and aws-native), unknown values, config overrides.

Messages must name the resource and the exact property to set; each case checks both.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.analyzer import UNKNOWN, PackClient
from tests.policies.fixtures import (
    ALL_BASELINES,
    AWS_ALB_LOAD_BALANCER,
    AWS_ALB_TARGET_GROUP,
    AWS_DEPLOYMENT_GROUP,
    AWS_LOAD_BALANCER,
    AWS_REPOSITORY,
    AWS_SERVICE_CODE_DEPLOY,
    AWS_SERVICE_ECS_BLUE_GREEN,
    AWS_TARGET_GROUP,
    AWS_TASK_DEFINITION,
    DELETE,
    NATIVE_DEPLOYMENT_GROUP,
    NATIVE_LOAD_BALANCER,
    NATIVE_REPOSITORY,
    NATIVE_SERVICE_CODE_DEPLOY,
    NATIVE_SERVICE_ECS_BLUE_GREEN,
    NATIVE_TARGET_GROUP,
    NATIVE_TASK_DEFINITION,
    Fixture,
    Path,
)

SUBJECT = "subject"
BLUE = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/1"

NATIVE_PAIR = ("loadBalancerInfo", "targetGroupPairInfoList", 0)
AWS_PAIR = ("loadBalancerInfo", "targetGroupPairInfo")
AWS_TERMINATE = ("blueGreenDeploymentConfig", "terminateBlueInstancesOnDeploymentSuccess")
NATIVE_TERMINATE = (
    "blueGreenDeploymentConfiguration",
    "terminateBlueInstancesOnDeploymentSuccess",
)
TG_ATTRIBUTE_DELAY = ("targetGroupAttributes", 1, "value")
LB_ATTRIBUTE_DROP = ("loadBalancerAttributes", 1, "value")
BREAKER = {"enable": True, "rollback": True}

Mutation = tuple[Path, Any]
Case = tuple[str, Fixture, list[Mutation], list[str]]


def _case(rule: str, fixture: Fixture, mutations: list[Mutation], expected: list[str]) -> Case:
    """(rule, fixture, mutations, one expected message fragment per violation)."""
    return rule, fixture, mutations, expected


VIOLATIONS: list[Case] = [
    # ecs-service-blue-green
    # A rolling ECS service with the circuit breaker on, so only the blue/green rule objects.
    _case(
        "ecs-service-blue-green",
        AWS_SERVICE_CODE_DEPLOY,
        [(("deploymentController", "type"), "ECS"), (("deploymentCircuitBreaker",), BREAKER)],
        ["`deploymentConfiguration.strategy` is unset (ROLLING)"],
    ),
    _case(
        "ecs-service-blue-green",
        AWS_SERVICE_CODE_DEPLOY,
        [(("deploymentController",), DELETE), (("deploymentCircuitBreaker",), BREAKER)],
        ["`deploymentConfiguration.strategy` is unset (ROLLING)"],
    ),
    _case(
        "ecs-service-blue-green",
        NATIVE_SERVICE_CODE_DEPLOY,
        [
            (("deploymentController", "type"), "ECS"),
            (("deploymentConfiguration",), {"deploymentCircuitBreaker": BREAKER}),
        ],
        ["`deploymentConfiguration.strategy` is unset (ROLLING)"],
    ),
    *[
        _case(
            "ecs-service-blue-green",
            fixture,
            [(("deploymentController", "type"), "EXTERNAL")],
            ["`deploymentController.type` is EXTERNAL"],
        )
        for fixture in (AWS_SERVICE_CODE_DEPLOY, NATIVE_SERVICE_CODE_DEPLOY)
    ],
    *[
        _case(
            "ecs-service-blue-green",
            fixture,
            [(("deploymentConfiguration", "strategy"), "ROLLING")],
            ["`deploymentConfiguration.strategy` is ROLLING"],
        )
        for fixture in (AWS_SERVICE_ECS_BLUE_GREEN, NATIVE_SERVICE_ECS_BLUE_GREEN)
    ],
    *[
        _case(
            "ecs-service-blue-green",
            fixture,
            [(("loadBalancers", 0, "advancedConfiguration"), DELETE)],
            ["`loadBalancers[0].advancedConfiguration` with alternateTargetGroupArn"],
        )
        for fixture in (AWS_SERVICE_ECS_BLUE_GREEN, NATIVE_SERVICE_ECS_BLUE_GREEN)
    ],
    *[
        _case(
            "ecs-service-blue-green",
            fixture,
            [(("loadBalancers", 0, "advancedConfiguration", field), DELETE)],
            [f"`loadBalancers[0].advancedConfiguration.{field}`"],
        )
        for fixture in (AWS_SERVICE_ECS_BLUE_GREEN, NATIVE_SERVICE_ECS_BLUE_GREEN)
        for field in (
            "alternateTargetGroupArn",
            "productionListenerRule",
            "testListenerRule",
            "roleArn",
        )
    ],
    *[
        _case(
            "ecs-service-blue-green",
            fixture,
            [(("loadBalancers", 0, "advancedConfiguration", "alternateTargetGroupArn"), BLUE)],
            ["`loadBalancers[0].advancedConfiguration.alternateTargetGroupArn` is the service's"],
        )
        for fixture in (AWS_SERVICE_ECS_BLUE_GREEN, NATIVE_SERVICE_ECS_BLUE_GREEN)
    ],
    _case(
        "ecs-service-blue-green",
        AWS_SERVICE_ECS_BLUE_GREEN,
        [(("deploymentConfiguration", "bakeTimeInMinutes"), "1")],
        ["`deploymentConfiguration.bakeTimeInMinutes` is 1: set it to at least 5"],
    ),
    _case(
        "ecs-service-blue-green",
        NATIVE_SERVICE_ECS_BLUE_GREEN,
        [(("deploymentConfiguration", "bakeTimeInMinutes"), DELETE)],
        ["`deploymentConfiguration.bakeTimeInMinutes` is unset: set it to at least 5"],
    ),
    # target-group-health-check
    *[
        _case(
            "target-group-health-check",
            fixture,
            [(("healthCheck",), DELETE)],
            ["explicit health check path: set `healthCheck.path`"],
        )
        for fixture in (AWS_TARGET_GROUP, AWS_ALB_TARGET_GROUP)
    ],
    _case(
        "target-group-health-check",
        AWS_TARGET_GROUP,
        [(("healthCheck", "path"), DELETE)],
        ["set `healthCheck.path`"],
    ),
    _case(
        "target-group-health-check",
        AWS_TARGET_GROUP,
        [(("healthCheck", "enabled"), False)],
        ["health checks are disabled: set `healthCheck.enabled` to true"],
    ),
    _case(
        "target-group-health-check",
        AWS_TARGET_GROUP,
        [(("protocol",), "HTTPS"), (("healthCheck", "path"), "")],
        ["HTTPS target group without an explicit health check path"],
    ),
    _case(
        "target-group-health-check",
        NATIVE_TARGET_GROUP,
        [(("healthCheckPath",), DELETE)],
        ["set `healthCheckPath`"],
    ),
    _case(
        "target-group-health-check",
        NATIVE_TARGET_GROUP,
        [(("healthCheckEnabled",), False)],
        ["set `healthCheckEnabled` to true"],
    ),
    _case(
        "target-group-health-check",
        AWS_TARGET_GROUP,
        [(("protocol",), "TCP"), (("healthCheck", "enabled"), False)],
        ["set `healthCheck.enabled` to true"],
    ),
    _case(
        "target-group-health-check",
        NATIVE_TARGET_GROUP,
        [(("protocol",), "TLS"), (("healthCheckEnabled",), False)],
        ["set `healthCheckEnabled` to true"],
    ),
    # ecs-container-health-check
    *[
        _case(
            "ecs-container-health-check",
            fixture,
            [(("containerDefinitions", 0, "healthCheck"), DELETE)],
            [
                "essential container 'web' (`containerDefinitions[0]`) has no health check: set"
                " `healthCheck.command`"
            ],
        )
        for fixture in (AWS_TASK_DEFINITION, NATIVE_TASK_DEFINITION)
    ],
    *[
        _case(
            "ecs-container-health-check",
            fixture,
            [(("containerDefinitions", 0, "healthCheck", "command"), [])],
            ["container 'web' (`containerDefinitions[0]`) has no health check"],
        )
        for fixture in (AWS_TASK_DEFINITION, NATIVE_TASK_DEFINITION)
    ],
    *[
        _case(
            "ecs-container-health-check",
            fixture,
            # `essential` defaults to true.
            [(("containerDefinitions", 1, "essential"), DELETE)],
            ["container 'log-router' (`containerDefinitions[1]`) has no health check"],
        )
        for fixture in (AWS_TASK_DEFINITION, NATIVE_TASK_DEFINITION)
    ],
    # codedeploy-ecs-blue-green
    *[
        _case(
            "codedeploy-ecs-blue-green",
            fixture,
            [(("deploymentStyle", "deploymentType"), "IN_PLACE")],
            ["`deploymentStyle.deploymentType` is IN_PLACE: set it to BLUE_GREEN"],
        )
        for fixture in (AWS_DEPLOYMENT_GROUP, NATIVE_DEPLOYMENT_GROUP)
    ],
    *[
        _case(
            "codedeploy-ecs-blue-green",
            fixture,
            [(("deploymentStyle",), DELETE)],
            [
                "`deploymentStyle.deploymentType` is unset: set it to BLUE_GREEN",
                "`deploymentStyle.deploymentOption` is unset: set it to WITH_TRAFFIC_CONTROL",
            ],
        )
        for fixture in (AWS_DEPLOYMENT_GROUP, NATIVE_DEPLOYMENT_GROUP)
    ],
    *[
        _case(
            "codedeploy-ecs-blue-green",
            fixture,
            [(("autoRollbackConfiguration", "enabled"), False)],
            ["set `autoRollbackConfiguration.enabled` to true"],
        )
        for fixture in (AWS_DEPLOYMENT_GROUP, NATIVE_DEPLOYMENT_GROUP)
    ],
    *[
        _case(
            "codedeploy-ecs-blue-green",
            fixture,
            [(("autoRollbackConfiguration", "events"), ["DEPLOYMENT_STOP_ON_ALARM"])],
            ["add DEPLOYMENT_FAILURE to `autoRollbackConfiguration.events`"],
        )
        for fixture in (AWS_DEPLOYMENT_GROUP, NATIVE_DEPLOYMENT_GROUP)
    ],
    _case(
        "codedeploy-ecs-blue-green",
        AWS_DEPLOYMENT_GROUP,
        [((*AWS_PAIR, "targetGroups"), [{"name": "web-blue"}])],
        ["set `loadBalancerInfo.targetGroupPairInfo.targetGroups` to the blue and the green"],
    ),
    _case(
        "codedeploy-ecs-blue-green",
        NATIVE_DEPLOYMENT_GROUP,
        [((*NATIVE_PAIR, "targetGroups"), [{"name": "web-blue"}])],
        ["set `loadBalancerInfo.targetGroupPairInfoList[0].targetGroups`"],
    ),
    _case(
        "codedeploy-ecs-blue-green",
        AWS_DEPLOYMENT_GROUP,
        [((*AWS_PAIR, "testTrafficRoute"), DELETE)],
        ["set `loadBalancerInfo.targetGroupPairInfo.testTrafficRoute.listenerArns`"],
    ),
    _case(
        "codedeploy-ecs-blue-green",
        NATIVE_DEPLOYMENT_GROUP,
        [((*NATIVE_PAIR, "prodTrafficRoute", "listenerArns"), [])],
        ["set `loadBalancerInfo.targetGroupPairInfoList[0].prodTrafficRoute.listenerArns`"],
    ),
    _case(
        "codedeploy-ecs-blue-green",
        AWS_DEPLOYMENT_GROUP,
        [(("loadBalancerInfo",), DELETE)],
        ["no target group pair: set `loadBalancerInfo.targetGroupPairInfo`"],
    ),
    _case(
        "codedeploy-ecs-blue-green",
        AWS_DEPLOYMENT_GROUP,
        [((*AWS_TERMINATE, "terminationWaitTimeInMinutes"), 1)],
        [
            "blue is terminated after 1 minutes: set `blueGreenDeploymentConfig."
            "terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes` to at least 5"
        ],
    ),
    _case(
        "codedeploy-ecs-blue-green",
        NATIVE_DEPLOYMENT_GROUP,
        [(NATIVE_TERMINATE, DELETE)],
        [
            "after unset (0) minutes: set `blueGreenDeploymentConfiguration."
            "terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes`"
        ],
    ),
    # ecs-service-health-check-grace-period
    *[
        _case(
            "ecs-service-health-check-grace-period",
            fixture,
            [(("healthCheckGracePeriodSeconds",), value)],
            [f"`healthCheckGracePeriodSeconds` is {shown}: set it to at least 10"],
        )
        for fixture in (AWS_SERVICE_CODE_DEPLOY, NATIVE_SERVICE_ECS_BLUE_GREEN)
        for value, shown in ((DELETE, "unset"), (5, "5"))
    ],
    # ecs-service-rollback-on-failure
    _case(
        "ecs-service-rollback-on-failure",
        AWS_SERVICE_ECS_BLUE_GREEN,
        [(("deploymentCircuitBreaker", "rollback"), False)],
        ["set `deploymentCircuitBreaker.rollback` to true"],
    ),
    _case(
        "ecs-service-rollback-on-failure",
        AWS_SERVICE_ECS_BLUE_GREEN,
        [(("deploymentCircuitBreaker",), DELETE)],
        ["`deploymentCircuitBreaker.enable`", "`deploymentCircuitBreaker.rollback`"],
    ),
    _case(
        "ecs-service-rollback-on-failure",
        NATIVE_SERVICE_ECS_BLUE_GREEN,
        [(("deploymentConfiguration", "deploymentCircuitBreaker", "enable"), False)],
        ["set `deploymentConfiguration.deploymentCircuitBreaker.enable` to true"],
    ),
    # codedeploy-alarm-rollback
    *[
        _case(
            "codedeploy-alarm-rollback",
            fixture,
            [(("alarmConfiguration", "enabled"), False)],
            ["set `alarmConfiguration.enabled` to true"],
        )
        for fixture in (AWS_DEPLOYMENT_GROUP, NATIVE_DEPLOYMENT_GROUP)
    ],
    *[
        _case(
            "codedeploy-alarm-rollback",
            fixture,
            [(("alarmConfiguration",), DELETE)],
            ["set `alarmConfiguration.enabled`", "set `alarmConfiguration.alarms`"],
        )
        for fixture in (AWS_DEPLOYMENT_GROUP, NATIVE_DEPLOYMENT_GROUP)
    ],
    _case(
        "codedeploy-alarm-rollback",
        AWS_DEPLOYMENT_GROUP,
        [(("autoRollbackConfiguration", "events"), ["DEPLOYMENT_FAILURE"])],
        ["add DEPLOYMENT_STOP_ON_ALARM to `autoRollbackConfiguration.events`"],
    ),
    # target-group-deregistration-delay
    _case(
        "target-group-deregistration-delay",
        AWS_TARGET_GROUP,
        [(("deregistrationDelay",), DELETE)],
        ["deregistration delay is unset (300 s by default): set `deregistrationDelay` to at most"],
    ),
    *[
        _case(
            "target-group-deregistration-delay",
            AWS_TARGET_GROUP,
            [(("deregistrationDelay",), value)],
            ["deregistration delay is 120 s: set `deregistrationDelay` to at most 60"],
        )
        for value in ("120", 120)
    ],
    _case(
        "target-group-deregistration-delay",
        NATIVE_TARGET_GROUP,
        [(TG_ATTRIBUTE_DELAY, "300")],
        ["set `targetGroupAttributes[key=deregistration_delay.timeout_seconds].value`"],
    ),
    _case(
        "target-group-deregistration-delay",
        NATIVE_TARGET_GROUP,
        [(("targetGroupAttributes",), DELETE)],
        ["unset (300 s by default)"],
    ),
    # ecr-scan-on-push / ecr-immutable-tags
    *[
        _case(
            "ecr-scan-on-push",
            fixture,
            [(("imageScanningConfiguration", "scanOnPush"), value)],
            ["set `imageScanningConfiguration.scanOnPush` to true"],
        )
        for fixture in (AWS_REPOSITORY, NATIVE_REPOSITORY)
        for value in (False, DELETE)
    ],
    *[
        _case(
            "ecr-immutable-tags",
            fixture,
            [(("imageTagMutability",), value)],
            [f"`imageTagMutability` is {shown}: set it to IMMUTABLE"],
        )
        for fixture in (AWS_REPOSITORY, NATIVE_REPOSITORY)
        for value, shown in (
            ("MUTABLE", "MUTABLE"),
            (DELETE, "unset (MUTABLE)"),
            ("IMMUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION"),
        )
    ],
    # ecs-container-hardening
    *[
        _case(
            "ecs-container-hardening",
            fixture,
            [(("containerDefinitions", 0, field), value)],
            [expected],
        )
        for fixture in (AWS_TASK_DEFINITION, NATIVE_TASK_DEFINITION)
        for field, value, expected in (
            (
                "privileged",
                True,
                "container 'web' (`containerDefinitions[0]`) is privileged:"
                " set `privileged` to false",
            ),
            ("user", DELETE, "runs as the image's default user: set `user` to a non-root UID"),
            ("user", "root", "runs as root (root): set `user`"),
            ("user", "0:0", "runs as root (0:0): set `user`"),
            ("readonlyRootFilesystem", False, "set `readonlyRootFilesystem` to true"),
        )
    ],
    # ecs-service-execute-command
    *[
        _case(
            "ecs-service-execute-command",
            fixture,
            [(("enableExecuteCommand",), True)],
            ["`enableExecuteCommand` is true"],
        )
        for fixture in (AWS_SERVICE_CODE_DEPLOY, NATIVE_SERVICE_ECS_BLUE_GREEN)
    ],
    # ecs-container-secret-environment
    *[
        _case(
            "ecs-container-secret-environment",
            fixture,
            [(("containerDefinitions", 0, "environment"), [{"name": name, "value": "x"}])],
            [
                f"container 'web' (`containerDefinitions[0]`) passes {name} as a plain"
                " `environment[0]` entry"
            ],
        )
        for fixture in (AWS_TASK_DEFINITION, NATIVE_TASK_DEFINITION)
        for name in ("DB_PASSWORD", "GITHUB_TOKEN", "STRIPE_API_KEY", "client_secret")
    ],
    # ecs-container-logging
    *[
        _case(
            "ecs-container-logging",
            fixture,
            [(("containerDefinitions", 1, "logConfiguration"), DELETE)],
            [
                "container 'log-router' (`containerDefinitions[1]`) has no log configuration: set"
                " `logConfiguration.logDriver`"
            ],
        )
        for fixture in (AWS_TASK_DEFINITION, NATIVE_TASK_DEFINITION)
    ],
    # alb-drop-invalid-headers
    *[
        _case(
            "alb-drop-invalid-headers",
            fixture,
            [(("dropInvalidHeaderFields",), value)],
            ["set `dropInvalidHeaderFields` to true"],
        )
        for fixture in (AWS_LOAD_BALANCER, AWS_ALB_LOAD_BALANCER)
        for value in (False, DELETE)
    ],
    *[
        _case(
            "alb-drop-invalid-headers",
            NATIVE_LOAD_BALANCER,
            [(path, value)],
            ["`loadBalancerAttributes` entry `routing.http.drop_invalid_header_fields.enabled`"],
        )
        for path, value in ((LB_ATTRIBUTE_DROP, "false"), (("loadBalancerAttributes",), DELETE))
    ],
]


def _case_id(case: Case) -> str:
    rule, fixture, mutations, _ = case
    provider = fixture.type.split(":")[0]
    changes = ",".join(
        ".".join(map(str, path)) + ("=del" if value is DELETE else f"={value}")
        for path, value in mutations
    )
    return f"{rule}[{provider}]{changes}"


@pytest.mark.parametrize("name", sorted(ALL_BASELINES))
def test_baseline_is_compliant_with_every_rule(pack: PackClient, name: str) -> None:
    fixture = ALL_BASELINES[name]
    result = pack.analyze(fixture.type, fixture.props(), SUBJECT)
    assert result.diagnostics == []


@pytest.mark.parametrize("case", VIOLATIONS, ids=_case_id)
def test_mutation_violates_exactly_its_rule(pack: PackClient, case: Case) -> None:
    rule, fixture, mutations, expected = case
    result = pack.analyze(fixture.type, fixture.props(*mutations), SUBJECT)
    found = result.of(rule)
    assert len(found) == len(expected), [d.message for d in result.diagnostics]
    for diagnostic, fragment in zip(found, expected, strict=True):
        assert f"{SUBJECT} ({fixture.type}): " in diagnostic.message
        assert fragment in diagnostic.message
        assert diagnostic.level == pack.default_levels()[rule]
    assert [d.policy for d in result.diagnostics if d.policy != rule] == []


# (fixture, mutations) that leave every rule silent: the SDK would otherwise turn the unknown
# into an advisory "can't run policy during preview" note, which is noise on every preview.
UNKNOWN_VALUES: list[tuple[Fixture, list[Mutation]]] = [
    (AWS_SERVICE_CODE_DEPLOY, [(("deploymentController", "type"), UNKNOWN)]),
    (AWS_SERVICE_CODE_DEPLOY, [(("deploymentController",), UNKNOWN)]),
    (
        AWS_SERVICE_CODE_DEPLOY,
        [
            (("loadBalancers",), UNKNOWN),
            (("deploymentController",), DELETE),
            (("deploymentCircuitBreaker",), BREAKER),
        ],
    ),
    (NATIVE_SERVICE_ECS_BLUE_GREEN, [(("deploymentConfiguration", "strategy"), UNKNOWN)]),
    (NATIVE_SERVICE_ECS_BLUE_GREEN, [(("loadBalancers", 0, "advancedConfiguration"), UNKNOWN)]),
    (AWS_SERVICE_ECS_BLUE_GREEN, [(("deploymentCircuitBreaker",), UNKNOWN)]),
    (AWS_SERVICE_ECS_BLUE_GREEN, [(("healthCheckGracePeriodSeconds",), UNKNOWN)]),
    (AWS_TARGET_GROUP, [(("healthCheck",), UNKNOWN)]),
    (AWS_TARGET_GROUP, [(("protocol",), UNKNOWN), (("healthCheck", "path"), DELETE)]),
    (AWS_TARGET_GROUP, [(("targetType",), UNKNOWN), (("healthCheck", "enabled"), False)]),
    (AWS_TARGET_GROUP, [(("deregistrationDelay",), UNKNOWN)]),
    (NATIVE_TARGET_GROUP, [(("healthCheckPath",), UNKNOWN)]),
    (NATIVE_TARGET_GROUP, [(("targetGroupAttributes",), UNKNOWN)]),
    (NATIVE_TARGET_GROUP, [(("targetGroupAttributes", 1, "value"), UNKNOWN)]),
    # The image digest of an image not built yet makes the whole JSON string unknown.
    (AWS_TASK_DEFINITION, [(("containerDefinitions",), UNKNOWN)]),
    (NATIVE_TASK_DEFINITION, [(("containerDefinitions",), UNKNOWN)]),
    (NATIVE_TASK_DEFINITION, [(("containerDefinitions", 0, "healthCheck"), UNKNOWN)]),
    (NATIVE_TASK_DEFINITION, [(("containerDefinitions", 0, "user"), UNKNOWN)]),
    (NATIVE_TASK_DEFINITION, [(("containerDefinitions", 1, "essential"), UNKNOWN)]),
    (AWS_DEPLOYMENT_GROUP, [(("ecsService",), UNKNOWN), (("deploymentStyle",), DELETE)]),
    (AWS_DEPLOYMENT_GROUP, [(("autoRollbackConfiguration", "events"), UNKNOWN)]),
    (AWS_DEPLOYMENT_GROUP, [(("autoRollbackConfiguration", "events"), [UNKNOWN])]),
    (AWS_DEPLOYMENT_GROUP, [((*AWS_TERMINATE, "terminationWaitTimeInMinutes"), UNKNOWN)]),
    (NATIVE_DEPLOYMENT_GROUP, [(("loadBalancerInfo",), UNKNOWN)]),
    (NATIVE_DEPLOYMENT_GROUP, [((*NATIVE_PAIR, "testTrafficRoute", "listenerArns"), UNKNOWN)]),
    (NATIVE_DEPLOYMENT_GROUP, [(("alarmConfiguration", "alarms"), UNKNOWN)]),
    (AWS_REPOSITORY, [(("imageTagMutability",), UNKNOWN)]),
    (NATIVE_REPOSITORY, [(("imageScanningConfiguration",), UNKNOWN)]),
    (AWS_LOAD_BALANCER, [(("dropInvalidHeaderFields",), UNKNOWN)]),
    (NATIVE_LOAD_BALANCER, [(LB_ATTRIBUTE_DROP, UNKNOWN)]),
    # Unknown tags might carry the exemption tag.
    (AWS_SERVICE_CODE_DEPLOY, [(("tags",), UNKNOWN), (("deploymentController",), DELETE)]),
]


@pytest.mark.parametrize(
    ("fixture", "mutations"),
    UNKNOWN_VALUES,
    ids=[f"{f.type.split(':')[0]}-{'-'.join(map(str, m[0][0]))}" for f, m in UNKNOWN_VALUES],
)
def test_unknown_values_never_violate(
    pack: PackClient, fixture: Fixture, mutations: list[Mutation]
) -> None:
    result = pack.analyze(fixture.type, fixture.props(*mutations), SUBJECT)
    assert result.diagnostics == []


def test_unknown_value_does_not_hide_known_violations(pack: PackClient) -> None:
    props = AWS_DEPLOYMENT_GROUP.props(
        (("autoRollbackConfiguration", "events"), UNKNOWN),
        (("deploymentStyle", "deploymentType"), "IN_PLACE"),
    )
    result = pack.analyze(AWS_DEPLOYMENT_GROUP.type, props, SUBJECT)
    assert [d.message.rsplit(": ", 2)[-2] for d in result.diagnostics] == [
        "`deploymentStyle.deploymentType` is IN_PLACE"
    ]


@pytest.mark.parametrize(
    ("rule", "fixture", "mutations"),
    [
        ("ecs-service-blue-green", AWS_SERVICE_CODE_DEPLOY, [(("loadBalancers",), [])]),
        ("ecs-service-blue-green", NATIVE_SERVICE_ECS_BLUE_GREEN, [(("loadBalancers",), DELETE)]),
        (
            "ecs-service-health-check-grace-period",
            AWS_SERVICE_CODE_DEPLOY,
            [(("loadBalancers",), [])],
        ),
        ("ecs-service-rollback-on-failure", AWS_SERVICE_CODE_DEPLOY, []),
        (
            "target-group-health-check",
            AWS_TARGET_GROUP,
            [(("targetType",), "lambda"), (("healthCheck", "enabled"), False)],
        ),
        (
            "target-group-deregistration-delay",
            NATIVE_TARGET_GROUP,
            [(("targetType",), "lambda"), (("targetGroupAttributes",), DELETE)],
        ),
        (
            "codedeploy-ecs-blue-green",
            AWS_DEPLOYMENT_GROUP,
            [(("ecsService",), DELETE), (("deploymentStyle",), DELETE)],
        ),
        (
            "codedeploy-alarm-rollback",
            NATIVE_DEPLOYMENT_GROUP,
            [(("ecsServices",), []), (("alarmConfiguration",), DELETE)],
        ),
        (
            "alb-drop-invalid-headers",
            AWS_LOAD_BALANCER,
            [(("loadBalancerType",), "network"), (("dropInvalidHeaderFields",), DELETE)],
        ),
    ],
)
def test_not_applicable(
    pack: PackClient, rule: str, fixture: Fixture, mutations: list[Mutation]
) -> None:
    result = pack.analyze(fixture.type, fixture.props(*mutations), SUBJECT)
    assert result.of(rule) == []
    assert result.not_applicable[rule]


@pytest.mark.parametrize(
    ("fixture", "mutations"),
    [
        # Keep-alive never terminates blue, so there is no wait to enforce.
        (AWS_DEPLOYMENT_GROUP, [((*AWS_TERMINATE,), {"action": "KEEP_ALIVE"})]),
        # Non-HTTP target groups need no path; health checks are on by default.
        (AWS_TARGET_GROUP, [(("protocol",), "TCP"), (("healthCheck", "path"), DELETE)]),
        (NATIVE_TARGET_GROUP, [(("protocol",), "TCP"), (("healthCheckPath",), DELETE)]),
        (NATIVE_TARGET_GROUP, [(("healthCheckEnabled",), "true")]),
        (AWS_TARGET_GROUP, [(("deregistrationDelay",), 60.0)]),
        (AWS_SERVICE_ECS_BLUE_GREEN, [(("deploymentConfiguration", "strategy"), "CANARY")]),
        (AWS_TASK_DEFINITION, [(("containerDefinitions", 0, "user"), "1000:1000")]),
        (AWS_SERVICE_ECS_BLUE_GREEN, [(("enableExecuteCommand",), False)]),
        # References to where a secret lives, and ordinary settings, are no secrets.
        (
            AWS_TASK_DEFINITION,
            [
                (
                    ("containerDefinitions", 0, "environment"),
                    [{"name": n, "value": "x"} for n in ("DB_SECRET_ARN", "LOG_LEVEL", "PORT")],
                )
            ],
        ),
    ],
)
def test_compliant_variants(pack: PackClient, fixture: Fixture, mutations: list[Mutation]) -> None:
    assert pack.analyze(fixture.type, fixture.props(*mutations), SUBJECT).diagnostics == []


@pytest.mark.parametrize(
    ("rule", "config", "fixture", "mutations", "expected"),
    [
        (
            "codedeploy-ecs-blue-green",
            {"minTerminationWaitMinutes": 10},
            AWS_DEPLOYMENT_GROUP,
            [],
            "at least 10",
        ),
        (
            "ecs-service-health-check-grace-period",
            {"minimumSeconds": 120},
            AWS_SERVICE_CODE_DEPLOY,
            [],
            "`healthCheckGracePeriodSeconds` is 60: set it to at least 120",
        ),
        (
            "target-group-deregistration-delay",
            {"maximumSeconds": 10},
            NATIVE_TARGET_GROUP,
            [],
            "deregistration delay is 30 s",
        ),
        (
            "ecs-container-logging",
            {"allowedLogDrivers": ["awsfirelens"]},
            AWS_TASK_DEFINITION,
            [],
            "logs with awslogs: set `logConfiguration.logDriver` to one of awsfirelens",
        ),
        (
            "ecs-container-hardening",
            {"requireNonRootUser": False},
            NATIVE_TASK_DEFINITION,
            [
                (("containerDefinitions", 0, "user"), "root"),
                (("containerDefinitions", 0, "privileged"), True),
            ],
            "is privileged",
        ),
    ],
)
def test_config_tightens_a_rule(
    pack: PackClient,
    *,
    rule: str,
    config: dict[str, Any],
    fixture: Fixture,
    mutations: list[Mutation],
    expected: str,
) -> None:
    props = fixture.props(*mutations)
    pack.configure({rule: config})
    found = pack.analyze(fixture.type, props, SUBJECT).of(rule)
    assert found
    assert all(expected in d.message for d in found)


@pytest.mark.parametrize(
    ("rule", "config", "fixture", "mutations"),
    [
        (
            "codedeploy-ecs-blue-green",
            {"minTerminationWaitMinutes": 0},
            AWS_DEPLOYMENT_GROUP,
            [((*AWS_TERMINATE, "terminationWaitTimeInMinutes"), 0)],
        ),
        (
            "ecr-immutable-tags",
            {"allowedTagMutability": ["IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"]},
            NATIVE_REPOSITORY,
            [(("imageTagMutability",), "IMMUTABLE_WITH_EXCLUSION")],
        ),
        (
            "ecs-container-hardening",
            {"requireReadOnlyRootFilesystem": False, "allowPrivileged": True},
            AWS_TASK_DEFINITION,
            [
                (("containerDefinitions", 0, "readonlyRootFilesystem"), False),
                (("containerDefinitions", 0, "privileged"), True),
            ],
        ),
        ("test-listener-not-public", {"worldOpenCidrs": ["0.0.0.0/0"]}, AWS_REPOSITORY, []),
    ],
)
def test_config_relaxes_a_rule(
    pack: PackClient,
    rule: str,
    config: dict[str, Any],
    fixture: Fixture,
    mutations: list[Mutation],
) -> None:
    props = fixture.props(*mutations)
    pack.configure({rule: config})
    assert pack.analyze(fixture.type, props, SUBJECT).diagnostics == []


@pytest.mark.parametrize(
    ("fixture", "breaker", "alarms", "advisory"),
    [
        (
            AWS_SERVICE_ECS_BLUE_GREEN,
            ("deploymentCircuitBreaker",),
            ("alarms", "rollback"),
            "set `deploymentCircuitBreaker.enable` to true",
        ),
        (
            NATIVE_SERVICE_ECS_BLUE_GREEN,
            ("deploymentConfiguration", "deploymentCircuitBreaker"),
            ("deploymentConfiguration", "alarms", "rollback"),
            "set `deploymentConfiguration.deploymentCircuitBreaker.enable` to true",
        ),
    ],
)
def test_native_blue_green_needs_a_rollback_trigger(
    pack: PackClient, fixture: Fixture, breaker: Path, alarms: Path, advisory: str
) -> None:
    """Without breaker or rolling-back alarms: the mandatory rule names both ways to roll back
    (and the advisory breaker rule, which covers every ECS-controller service, says its part)."""
    result = pack.analyze(fixture.type, fixture.props((breaker, DELETE), (alarms, False)), SUBJECT)
    [mandatory] = result.of("ecs-service-blue-green")
    assert "nothing rolls a failed release back" in mandatory.message
    assert "rollback: true}` or `" in mandatory.message
    assert advisory in " ".join(d.message for d in result.of("ecs-service-rollback-on-failure"))
    assert {d.policy for d in result.diagnostics} == {
        "ecs-service-blue-green",
        "ecs-service-rollback-on-failure",
    }
    # Either trigger alone is enough for the mandatory rule.
    alarms_only = pack.analyze(fixture.type, fixture.props((breaker, DELETE)), SUBJECT)
    assert alarms_only.of("ecs-service-blue-green") == []


def test_a_rolling_service_gets_the_whole_recipe_in_one_message(pack: PackClient) -> None:
    """One round of fixes: the message names every piece of both controllers' setups."""
    props = AWS_SERVICE_CODE_DEPLOY.props(
        (("deploymentController", "type"), "ECS"), (("deploymentCircuitBreaker",), BREAKER)
    )
    [diagnostic] = pack.analyze(AWS_SERVICE_CODE_DEPLOY.type, props, SUBJECT).of(
        "ecs-service-blue-green"
    )
    for piece in (
        "CODE_DEPLOY",
        "second target group",
        "test listener",
        "CodeDeploy deployment group",
        "autoRollbackConfiguration",
        "BLUE_GREEN, LINEAR or CANARY",
        "`deploymentConfiguration.bakeTimeInMinutes` >= 5",
        "alternateTargetGroupArn, productionListenerRule, testListenerRule, roleArn",
        "deploymentCircuitBreaker{enable: true, rollback: true}",
        "alarms{alarmNames, enable: true, rollback: true}",
    ):
        assert piece in diagnostic.message, piece


def test_min_bake_time_is_configurable(pack: PackClient) -> None:
    props = AWS_SERVICE_ECS_BLUE_GREEN.props()
    pack.configure({"ecs-service-blue-green": {"minBakeTimeMinutes": 30}})
    [found] = pack.analyze(AWS_SERVICE_ECS_BLUE_GREEN.type, props, SUBJECT).of(
        "ecs-service-blue-green"
    )
    assert "is 5: set it to at least 30" in found.message
