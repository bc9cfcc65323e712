"""A service stack attached to a runtime stack (`sharedStack`) under the CODE_DEPLOY controller:
the runtime's VPC and cluster, a load balancer of its own; and the validation of attaching."""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Any

import pytest

from components.args import BlueGreenServiceArgs, listener_rule_errors
from components.listener_rules import (
    DEFAULT_BAND_START,
    PRIORITY_MAX,
    default_priority,
    rule_priority,
)
from components.runtime_ref import OUTPUT_FIELDS, SharedRuntimeRef
from components.stack_config import args_from_values
from tests.harness import StackRun, run_main, stack_config
from tests.runtime.support import SHARED_STACK, mocks_with_runtime, runtime_outputs

SERVICE = "aws:ecs/service:Service"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1"


def _config(**overrides: Any) -> dict[str, Any]:
    base = {**stack_config("dev"), "ecs-blue-green:imageUri": IMAGE}
    return base | {f"ecs-blue-green:{k}": v for k, v in overrides.items()}


def _attached(outputs: dict[str, Any], **overrides: Any) -> StackRun:
    return run_main(
        _config(sharedStack=SHARED_STACK, **overrides), mocks=mocks_with_runtime(outputs)
    )


@pytest.fixture(scope="module")
def attached() -> StackRun:
    return _attached(runtime_outputs(private=True))


def test_attached_service_creates_no_vpc_and_no_cluster(attached: StackRun) -> None:
    assert attached.of_type("awsx:ec2:Vpc") == []
    assert attached.of_type("aws:ecs/cluster:Cluster") == []
    runtime = runtime_outputs()
    service = attached.one(SERVICE).inputs
    assert service["cluster"] == runtime["clusterArn"]
    group = attached.one(GROUP).inputs
    assert group["ecsService"]["clusterName"] == runtime["clusterName"]
    assert attached.outputs["clusterName"] == runtime["clusterName"]


def test_tasks_run_in_the_shared_private_subnets(attached: StackRun) -> None:
    network = attached.one(SERVICE).inputs["networkConfiguration"]
    assert network["subnets"] == ["subnet-0priv1", "subnet-0priv2"]
    assert network["assignPublicIp"] is False


def test_without_private_subnets_tasks_get_public_ips() -> None:
    run = _attached(runtime_outputs(private=False))
    network = run.one(SERVICE).inputs["networkConfiguration"]
    assert network["subnets"] == ["subnet-0pub1", "subnet-0pub2"]
    assert network["assignPublicIp"] is True


def test_codedeploy_service_keeps_its_own_load_balancer_in_the_shared_vpc(
    attached: StackRun,
) -> None:
    alb = attached.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert alb["subnets"] == ["subnet-0pub1", "subnet-0pub2"]
    assert [g.inputs["vpcId"] for g in attached.of_type(TARGET_GROUP)] == ["vpc-0shared"] * 2
    assert {g.inputs["vpcId"] for g in attached.of_type(SG)} == {"vpc-0shared"}
    own = attached.one(SG, "web-alb-sg").outputs["id"]
    assert own != runtime_outputs()["loadBalancerSecurityGroupId"]
    assert alb["securityGroups"] == [own]
    # CodeDeploy moves whole listeners: the group routes the service's own, not the runtime's.
    routes = attached.one(GROUP).inputs["loadBalancerInfo"]["targetGroupPairInfo"]
    assert routes["prodTrafficRoute"]["listenerArns"] == [
        attached.one("aws:lb/listener:Listener", "web-production").outputs["arn"]
    ]


def test_test_gate_runs_in_the_shared_vpc(attached: StackRun) -> None:
    probe = attached.one(SG, "probe").inputs
    assert probe["vpcId"] == "vpc-0shared"


class _SameFailureElsewhere(logging.Filter):
    """Every resource built from a bad stack reference fails with the one error the tests below
    check; asyncio logs each of those unretrieved failures whenever it collects them."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return "lacks the runtime output" not in str(error) + record.getMessage()


logging.getLogger("asyncio").addFilter(_SameFailureElsewhere())


def test_missing_runtime_outputs_name_the_outputs_and_the_stack() -> None:
    outputs = runtime_outputs()
    del outputs["clusterArn"], outputs["testListenerArn"]
    with pytest.raises(ValueError, match="sharedStack") as error:
        _attached(outputs)
    assert f"stack '{SHARED_STACK}' lacks the runtime output(s) clusterArn, testListenerArn" in str(
        error.value
    )


def test_unknown_stack_is_reported_with_every_output_missing() -> None:
    with pytest.raises(ValueError, match="lacks the runtime output") as error:
        run_main(
            _config(sharedStack="acme/ecs-blue-green-runtime/nope"), mocks=mocks_with_runtime({})
        )
    assert ", ".join(OUTPUT_FIELDS) in str(error.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sharedStack": "prod"}, "sharedStack: 'prod' is not a stack reference like acme/"),
        ({"sharedStack": SHARED_STACK, "natStrategy": "single"}, "vpcId/natStrategy: the shared"),
        ({"hostHeaders": ["api.example.com"]}, "hostHeaders/pathPatterns/listenerRulePriority: "),
        ({"listenerRulePriority": 50001}, "listenerRulePriority: 50001 is outside 1..50000"),
        ({"listenerRulePriority": -1}, "listenerRulePriority: -1 is outside 1..50000"),
        ({"pathPatterns": ["api/*"]}, "pathPatterns: 'api/*' is not an ALB path pattern"),
    ],
)
def test_bad_settings_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"\S") as error:
        run_main(_config(**overrides), mocks=mocks_with_runtime(runtime_outputs()))
    assert message in str(error.value)


def test_priority_zero_in_config_means_derived() -> None:
    _, args = args_from_values({"listenerRulePriority": 0})
    assert args.listener_rule_priority is None


REF = SharedRuntimeRef.from_outputs(runtime_outputs())
ON_SHARED = BlueGreenServiceArgs(shared_runtime=REF, image_uri=IMAGE)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "hostHeaders/pathPatterns: a service on the shared listeners needs at least one"),
        ({"host_headers": ["api"]}, "hostHeaders: 'api' is not an ALB host-header value"),
        ({"host_headers": ["api.example.c0m"]}, "only letters after the last '.'"),
        ({"host_headers": ["a" * 125 + ".com"]}, "is not an ALB host-header value"),
        ({"path_patterns": ["/a b"]}, "pathPatterns: '/a b' is not an ALB path pattern"),
        ({"path_patterns": [f"/{i}" for i in range(6)]}, "6 values; an ALB rule takes at most 5"),
        ({"path_patterns": ["/*/*/*", "/?/?/?"]}, "6 wildcards; an ALB rule takes at most 5"),
        (
            {"host_headers": ["a.example.com"], "listener_rule_priority": 0},
            "listenerRulePriority: 0 is outside 1..50000",
        ),
    ],
)
def test_shared_listener_rules_are_validated(changes: dict[str, Any], message: str) -> None:
    errors = listener_rule_errors(
        dataclasses.replace(ON_SHARED, **changes), on_shared_listeners=True
    )
    assert any(message in e for e in errors), errors


def test_host_and_path_within_limits_pass() -> None:
    args = dataclasses.replace(
        ON_SHARED,
        host_headers=["api.example.com", "*.api.example.com"],
        path_patterns=["/v1/*"],
        listener_rule_priority=50000,
    )
    assert listener_rule_errors(args, on_shared_listeners=True) == []


def test_codedeploy_services_do_not_use_the_shared_listeners() -> None:
    assert ON_SHARED.uses_shared_listeners is False
    ON_SHARED.validate("web")


def test_derived_priority_is_stable_and_in_its_band() -> None:
    assert default_priority("web") == default_priority("web")
    priorities = {default_priority(f"svc{i}") for i in range(1000)}
    assert min(priorities) >= DEFAULT_BAND_START
    assert max(priorities) < PRIORITY_MAX
    assert len(priorities) > 970, "names spread over the band"
    assert rule_priority("web", 7) == 7
    assert rule_priority("web", None) == default_priority("web")


def test_documented_collision_odds_for_50_services() -> None:
    band = PRIORITY_MAX - DEFAULT_BAND_START
    clash = 1 - math.prod(1 - i / band for i in range(50))
    assert 0.025 < clash < 0.035  # "about 3 %" in components/listener_rules.py
