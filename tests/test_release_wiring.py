"""How the component wires the release engine, under Pulumi mocks: network and port into the
AppSpec inputs, green-scoped alarms, the SNS topic for late rollbacks, the release settings, and
the aws provider's identity."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components import BlueGreenService
from components.args import BlueGreenServiceArgs
from components.release.codedeploy.deployment_group import CODEDEPLOY_ECS_POLICY
from components.stack_config import args_from_values
from tests.harness import StackMocks, StackRun, run_dev_stack, run_main, run_program, stack_config

DYNAMIC = "pulumi-python:dynamic:Resource"
GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROLE = "arn:aws:iam::210987654321:role/deployer"


@pytest.fixture(scope="module")
def dev() -> StackRun:
    return run_dev_stack()


def _release(run: StackRun) -> dict[str, Any]:
    return run.one(DYNAMIC, "-release").inputs


def test_network_and_port_reach_the_release(dev: StackRun) -> None:
    release = _release(dev)
    service = dev.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    assert release["subnets"] == service["subnets"]
    assert release["security_groups"] == service["securityGroups"]
    assert release["assign_public_ip"] is True
    assert release["container_port"] == 3000


def test_each_target_group_has_its_own_alarms_for_the_release(dev: StackRun) -> None:
    alarms = {a.outputs["name"]: a for a in dev.of_type(ALARM)}
    by_group = {
        entry["target_group_arn"]: sorted(entry["alarm_names"])
        for entry in _release(dev)["target_group_alarms"]
    }
    groups = {
        r.outputs["arnSuffix"]: r.outputs["arn"]
        for r in dev.of_type("aws:lb/targetGroup:TargetGroup")
    }
    assert len(by_group) == 2
    for suffix, arn in groups.items():
        names = by_group[arn]
        assert len(names) == 2
        assert {alarms[n].inputs["dimensions"]["TargetGroup"] for n in names} == {suffix}


def test_failures_and_rollbacks_are_published_to_an_exported_topic(dev: StackRun) -> None:
    topic = dev.one("aws:sns/topic:Topic", "release-events")
    [trigger] = dev.one(GROUP).inputs["triggerConfigurations"]
    assert trigger["triggerTargetArn"] == topic.outputs["arn"]
    assert sorted(trigger["triggerEvents"]) == [
        "DeploymentFailure",
        "DeploymentRollback",
        "DeploymentStop",
    ]
    publish = next(
        r
        for r in dev.of_type("aws:iam/rolePolicy:RolePolicy")
        if "sns:Publish" in r.inputs["policy"]
    )
    assert (
        json.loads(publish.inputs["policy"])["Statement"][0]["Resource"] == (topic.outputs["arn"])
    )
    assert publish.urn in dev.one(GROUP).dependencies
    assert dev.outputs["releaseEventsTopicArn"] == topic.outputs["arn"]


def test_the_group_waits_for_its_roles_codedeploy_permissions(dev: StackRun) -> None:
    """CodeDeploy checks its service role's permissions when the group is created, and nothing
    but this dependency orders the group after the attachment of AWSCodeDeployRoleForECS (the
    group names the role, not the attachment)."""
    role = dev.one("aws:iam/role:Role", "codedeploy-role")
    group = dev.one(GROUP)
    [managed] = [
        r
        for r in dev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.inputs["role"] == role.outputs["name"]
    ]
    assert managed.inputs["policyArn"] == CODEDEPLOY_ECS_POLICY
    assert group.inputs["serviceRoleArn"] == role.outputs["arn"]
    assert managed.urn in group.dependencies


def test_release_settings_reach_the_release() -> None:
    run = run_main(
        {
            **stack_config("dev"),
            "ecs-blue-green:releaseWaitForCompletion": True,
            "ecs-blue-green:releaseRetry": "2026-11-29",
            "ecs-blue-green:releaseOverrideAlarms": "INC-123",
        }
    )
    release = _release(run)
    assert (
        release["wait_for_completion"],
        release["release_retry"],
        release["override_alarms"],
    ) == (True, "2026-11-29", "INC-123")


def test_by_default_the_release_returns_at_green_and_retries_nothing(dev: StackRun) -> None:
    release = _release(dev)
    assert release["wait_for_completion"] is False
    assert "release_retry" not in release  # None is dropped
    assert "override_alarms" not in release


@pytest.mark.parametrize(
    ("key", "value"),
    [("releaseRetry", "two words"), ("releaseOverrideAlarms", "x" * 65)],
)
def test_bad_tokens_are_refused_naming_the_setting(key: str, value: str) -> None:
    _, args = args_from_values({key: value})
    with pytest.raises(ValueError, match=f"{key}: .* must be 1-64 letters"):
        args.validate("web")


class _DeployerMocks(StackMocks):
    """AWS as seen through an explicit provider that assumes ROLE."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        through_deployer = "deployer" in (args.provider or "")
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity" and through_deployer:
            return {
                "accountId": "210987654321",
                "arn": "arn:aws:sts::210987654321:assumed-role/deployer/pulumi",
                "userId": "AROA:pulumi",
            }
        if args.token == "aws:iam/getSessionContext:getSessionContext":
            arn = args.args["arn"]
            return {"arn": arn, "issuerArn": ROLE if "assumed-role" in arn else arn}
        return super().call(args)


def _with_provider(**provider_args: Any) -> dict[str, Any]:
    def program() -> None:
        provider = aws.Provider("deployer", region="eu-west-1", **provider_args)
        BlueGreenService(
            "web",
            BlueGreenServiceArgs(image_uri="public.ecr.aws/nginx/nginx:1"),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )

    run = run_program(program, config={"aws:region": "eu-west-1"}, mocks=_DeployerMocks())
    return _release(run)


def test_an_explicit_provider_gives_the_release_its_role_and_profile() -> None:
    release = _with_provider(
        profile="ops",
        assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=ROLE, session_name="pulumi")],
    )
    assert release["role_arns"] == [ROLE]
    assert release["profile"] == "ops"


def test_the_default_provider_config_gives_the_release_its_role() -> None:
    run = run_main(
        {
            **stack_config("dev"),
            "aws:profile": "ops",
            "aws:assumeRoles": json.dumps([{"roleArn": ROLE}]),
        }
    )
    release = _release(run)
    assert release["role_arns"] == [ROLE]
    assert release["profile"] == "ops"
