"""A service stack attached to a runtime stack (`sharedStack`) under the ECS controller: no load
balancer or listener of its own; target groups, rules on the runtime's listeners, security-group
wiring, alarms and the test gate on the shared load balancer; and the refusals at preview."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any
from unittest import mock

import pytest

from components import stack_config as config_module
from components.listener_rules import (
    concrete_host,
    default_priority,
    path_matches,
    routed_paths,
)
from tests.harness import ROOT, Registration, StackRun, run_main, stack_config
from tests.runtime.support import SHARED_STACK, mocks_with_runtime, runtime_outputs

RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SERVICE = "aws:ecs/service:Service"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
FUNCTION = "aws:lambda/function:Function"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:v1"
RUNTIME = runtime_outputs()


def _config(**overrides: Any) -> dict[str, Any]:
    base = {
        **stack_config("dev"),
        "ecs-blue-green:imageUri": IMAGE,
        "ecs-blue-green:serviceName": "orders",
        "ecs-blue-green:sharedStack": SHARED_STACK,
        "ecs-blue-green:deploymentController": "ECS",
        "ecs-blue-green:hostHeaders": ["orders.example.com"],
    }
    return base | {f"ecs-blue-green:{k}": v for k, v in overrides.items()}


def _run(*, https: bool = False, **overrides: Any) -> StackRun:
    return run_main(_config(**overrides), mocks=mocks_with_runtime(RUNTIME, https=https))


@pytest.fixture(scope="module")
def attached() -> StackRun:
    return _run()


def _gate_env(run: StackRun) -> dict[str, str]:
    gate = run.one(FUNCTION, "test-gate-gate").inputs
    return dict(gate["environment"]["variables"])


def test_no_load_balancer_listener_vpc_or_cluster_of_its_own(attached: StackRun) -> None:
    for type_ in (
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:lb/listener:Listener",
        "awsx:ec2:Vpc",
        "aws:ecs/cluster:Cluster",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
    ):
        assert attached.of_type(type_) == [], type_
    assert sorted(g.name for g in attached.of_type(SG)) == [
        "orders-tasks-sg",
        "orders-test-gate-probe",
    ]
    groups = attached.of_type(TARGET_GROUP)
    assert sorted(g.name for g in groups) == ["orders-blue", "orders-green"]
    assert {g.inputs["vpcId"] for g in groups} == {RUNTIME["vpcId"]}


def test_rules_on_the_shared_listeners_match_the_host_at_the_service_priority(
    attached: StackRun,
) -> None:
    production = attached.one(RULE, "production-rule")
    test = attached.one(RULE, "test-rule")
    assert production.inputs["listenerArn"] == RUNTIME["productionListenerArn"]
    assert test.inputs["listenerArn"] == RUNTIME["testListenerArn"]
    for rule in (production, test):
        assert rule.inputs["priority"] == default_priority("orders")
        assert rule.inputs["conditions"] == [{"hostHeader": {"values": ["orders.example.com"]}}]
        # ECS rewrites the weights on every release: the next `pulumi up` must not undo them.
        assert rule.ignore_changes == ["actions"]
    blue = attached.one(TARGET_GROUP, "blue").outputs["arn"]
    green = attached.one(TARGET_GROUP, "green").outputs["arn"]

    def weights(rule: Registration) -> list[tuple[str, float]]:
        [action] = rule.inputs["actions"]
        return [(g["arn"], g["weight"]) for g in action["forward"]["targetGroups"]]

    assert weights(production) == [(blue, 100), (green, 0)]
    assert weights(test) == [(green, 100), (blue, 0)]


def test_service_releases_through_its_own_rules(attached: StackRun) -> None:
    service = attached.one(SERVICE)
    assert service.inputs["cluster"] == RUNTIME["clusterArn"]
    [entry] = service.inputs["loadBalancers"]
    advanced = entry["advancedConfiguration"]
    assert advanced["productionListenerRule"] == attached.one(RULE, "production").outputs["arn"]
    assert advanced["testListenerRule"] == attached.one(RULE, "test-rule").outputs["arn"]
    assert advanced["alternateTargetGroupArn"] == attached.one(TARGET_GROUP, "green").outputs["arn"]
    assert entry["targetGroupArn"] == attached.one(TARGET_GROUP, "blue").outputs["arn"]
    rules = {attached.one(RULE, n).urn for n in ("production-rule", "test-rule")}
    assert rules <= set(service.dependencies)


def test_security_groups_admit_the_shared_load_balancer(attached: StackRun) -> None:
    shared = RUNTIME["loadBalancerSecurityGroupId"]
    tasks = attached.one(SG, "tasks-sg").outputs["id"]
    ingress = attached.one(INGRESS, "tasks-in-alb").inputs
    assert (ingress["securityGroupId"], ingress["referencedSecurityGroupId"]) == (tasks, shared)
    # Any port, as on an own load balancer: a containerPort change keeps blue reachable.
    assert (ingress["fromPort"], ingress["toPort"]) == (0, 65535)
    egress = attached.one(EGRESS, "alb-out-tasks").inputs
    assert (egress["securityGroupId"], egress["referencedSecurityGroupId"]) == (shared, tasks)
    assert (egress["fromPort"], egress["toPort"]) == (0, 65535)
    assert egress["tags"]["app:stack"] == "dev"  # the deploy role may only add tagged rules
    probe = attached.one(SG, "probe").outputs["id"]
    gate_in = attached.one(INGRESS, "alb-in-test-gate").inputs
    assert (gate_in["securityGroupId"], gate_in["referencedSecurityGroupId"]) == (shared, probe)
    assert gate_in["fromPort"] == gate_in["toPort"] == 8080
    probe_out = attached.one(EGRESS, "probe-egress").inputs
    assert probe_out["referencedSecurityGroupId"] == shared
    assert probe_out["fromPort"] == probe_out["toPort"] == 8080


def test_alarms_watch_the_service_target_groups_on_the_shared_load_balancer(
    attached: StackRun,
) -> None:
    alarms = attached.of_type(ALARM)
    own = {attached.one(TARGET_GROUP, c).outputs["arnSuffix"] for c in ("blue", "green")}
    assert len(alarms) == 4
    for alarm in alarms:
        dimensions = alarm.inputs["dimensions"]
        assert dimensions["LoadBalancer"] == RUNTIME["loadBalancerArnSuffix"]
        assert dimensions["TargetGroup"] in own
    service = attached.one(SERVICE).inputs
    assert sorted(service["alarms"]["alarmNames"]) == sorted(a.outputs["name"] for a in alarms)


def test_gate_probes_the_shared_test_listener_with_the_service_host(attached: StackRun) -> None:
    env = _gate_env(attached)
    assert env["HOST_HEADER"] == "orders.example.com"
    assert env["LOAD_BALANCER_ARN"] == RUNTIME["loadBalancerArn"]
    assert env["TEST_LISTENER_PORT"] == "8080"
    assert json.loads(env["PATHS"]) == ["/health"]


def test_urls_use_the_host_and_the_runtime_listener_scheme(attached: StackRun) -> None:
    assert attached.outputs["url"] == "http://orders.example.com"
    assert attached.outputs["testUrl"] == "http://orders.example.com:8080"
    assert _run(https=True).outputs["url"] == "https://orders.example.com"


def test_path_routed_service_gate_and_urls_go_under_its_path() -> None:
    run = _run(hostHeaders=[], pathPatterns=["/billing/*"], listenerRulePriority=120)
    rule = run.one(RULE, "production-rule").inputs
    assert rule["conditions"] == [{"pathPattern": {"values": ["/billing/*"]}}]
    assert rule["priority"] == 120
    env = _gate_env(run)
    assert "HOST_HEADER" not in env
    assert json.loads(env["PATHS"]) == ["/billing/health"]
    dns = RUNTIME["loadBalancerDnsName"]
    assert run.outputs["url"] == f"http://{dns}/billing"
    assert run.outputs["testUrl"] == f"http://{dns}:8080/billing"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"hostHeaders": []},
            "hostHeaders/pathPatterns: a service on the shared listeners needs at least one",
        ),
        ({"listenerRulePriority": 50001}, "listenerRulePriority: 50001 is outside 1..50000"),
        (
            {"certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/" + "0" * 36},
            "certificateArn: belongs to the shared load balancer",
        ),
        ({"wafEnabled": True}, "wafEnabled: belongs to the shared load balancer"),
        (
            {"pathPatterns": ["/billing"]},
            "testGatePaths: the test gate would request '/billing/health', which pathPatterns",
        ),
    ],
)
def test_bad_attached_settings_are_refused_before_anything_is_registered(
    overrides: dict[str, Any], message: str
) -> None:
    with mock.patch.object(
        config_module, "from_stack_reference", wraps=config_module.from_stack_reference
    ) as reference:
        run = run_main(_config(**overrides), mocks=mocks_with_runtime(RUNTIME), raise_errors=False)
    assert isinstance(run.error, ValueError)
    assert message in str(run.error)
    assert run.registrations == []
    reference.assert_not_called()  # refused before even the runtime stack is read


def test_routing_settings_without_shared_listeners_are_refused() -> None:
    config = _config()
    del config["ecs-blue-green:sharedStack"]
    run = run_main(config, raise_errors=False)
    assert "hostHeaders/pathPatterns/listenerRulePriority: only apply" in str(run.error)
    assert run.registrations == []


def test_validation_does_not_import_the_aws_provider() -> None:
    """`components.args` validates routing through `components.listener_rules`; tools that only
    read stack files (the release timeline) must not pay pulumi_aws's import for that."""
    probe = "import sys, components.args; print('pulumi_aws' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("paths", "patterns", "routed"),
    [
        (["/health"], [], ("/health",)),
        (["/health"], ["/billing/*"], ("/billing/health",)),
        (["/health"], ["/api*"], ("/api/health",)),
        # A path the patterns already route stays as it is.
        (["/billing/health", "/ready"], ["/billing/*"], ("/billing/health", "/billing/ready")),
        (["/health"], ["/v?/*"], ("/vx/health",)),
    ],
)
def test_gate_paths_are_put_where_the_rule_routes(
    paths: list[str], patterns: list[str], routed: tuple[str, ...]
) -> None:
    assert routed_paths(paths, patterns) == routed
    assert all(path_matches(p, patterns) for p in routed) or not patterns


def test_wildcard_host_is_made_concrete() -> None:
    assert concrete_host("*.example.com") == "test-gate.example.com"
    assert concrete_host("api-?.example.com") == "api-x.example.com"
