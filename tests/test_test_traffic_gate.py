"""The test-traffic gate component under Pulumi mocks: what it creates and with which rights."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.test_traffic_gate import SOURCE_DIR, TestTrafficGate, TestTrafficGateArgs
from tests.harness import StackRun, run_program

LB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
FUNCTION = "aws:lambda/function:Function"
ALB_SG = "sg-0alb"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
BOUNDARY = "arn:aws:iam::123456789012:policy/pulumi-deploy-ecs-blue-green-dev-boundary"


def _args(**change: Any) -> TestTrafficGateArgs:
    settings: dict[str, Any] = {
        "vpc_id": "vpc-0123",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "load_balancer_arn": LB_ARN,
        "test_listener_port": 8080,
        "load_balancer_security_group_id": ALB_SG,
    } | change
    return TestTrafficGateArgs(**settings)


def _run(args: TestTrafficGateArgs) -> StackRun:
    return run_program(lambda: TestTrafficGate("web-test-gate", args), config={})


@pytest.fixture(scope="module")
def run() -> StackRun:
    return _run(_args(tags={"app:service": "web"}))


def _policy(run: StackRun, name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        run.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"]
    )
    return document


def test_gate_runs_outside_the_vpc_with_its_settings_in_the_environment(run: StackRun) -> None:
    gate = run.one(FUNCTION, "gate-gate")
    probe = run.one(FUNCTION, "-probe")

    assert (gate.inputs["handler"], gate.inputs["runtime"]) == ("gate.handler", "python3.13")
    assert "vpcConfig" not in gate.inputs
    assert gate.inputs["environment"]["variables"] == {
        "PROBE_FUNCTION": probe.outputs["arn"],
        "PROBE_TIMEOUT_SECONDS": "53",
        "LOAD_BALANCER_ARN": LB_ARN,
        "TEST_LISTENER_PORT": "8080",
        "PATHS": '["/health"]',
        "ATTEMPTS": "6",
        "INTERVAL_SECONDS": "5",
        "TIMEOUT_SECONDS": "3",
    }
    # Worst case of the defaults: 6 x 3 s requests + 5 x 5 s pauses + 10 s margin; the gate adds 30.
    assert (probe.inputs["timeout"], gate.inputs["timeout"]) == (53, 83)


def test_probe_runs_in_the_vpc_with_its_own_security_group(run: StackRun) -> None:
    probe = run.one(FUNCTION, "-probe")
    group = run.one("aws:ec2/securityGroup:SecurityGroup", "-probe")
    egress = run.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "-probe")

    assert (probe.inputs["handler"], probe.inputs["runtime"]) == ("probe.handler", "python3.13")
    assert probe.inputs["vpcConfig"] == {
        "subnetIds": ["subnet-a", "subnet-b"],
        "securityGroupIds": [group.outputs["id"]],
    }
    assert "environment" not in probe.inputs  # everything arrives in the gate's event
    assert group.inputs["vpcId"] == "vpc-0123"
    assert egress.inputs["securityGroupId"] == group.outputs["id"]
    # Only to the load balancer's security group, only on the test port.
    assert {
        k: egress.inputs.get(k)
        for k in ("ipProtocol", "fromPort", "toPort", "referencedSecurityGroupId", "cidrIpv4")
    } == {
        "ipProtocol": "tcp",
        "fromPort": 8080,
        "toPort": 8080,
        "referencedSecurityGroupId": ALB_SG,
        "cidrIpv4": None,
    }


def test_both_functions_ship_one_archive_of_the_handler_files(run: StackRun) -> None:
    files = ["ecs_hook.py", "gate.py", "probe.py"]
    for function in run.of_type(FUNCTION):
        assets = function.inputs["code"].assets
        assert sorted(assets) == files
        assert {name: asset.path for name, asset in assets.items()} == {
            name: str(SOURCE_DIR / name) for name in files
        }


def test_under_ecs_the_gate_is_the_ecs_hook_and_cannot_report_to_codedeploy() -> None:
    run = _run(_args(controller="ECS"))
    gate = run.one(FUNCTION, "gate-gate")
    assert gate.inputs["handler"] == "ecs_hook.handler"
    assert "POST_TEST_TRAFFIC_SHIFT" in gate.inputs["description"]
    sids = [s["Sid"] for s in _policy(run, "gate-gate")["Statement"]]
    assert sids == ["FindLoadBalancerAddresses", "InvokeProbe", "WriteOwnLogs"]


def test_probe_role_has_only_vpc_access(run: StackRun) -> None:
    attachments = run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    probe_role = run.one("aws:iam/role:Role", "-probe")

    assert [(a.inputs["role"], a.inputs["policyArn"]) for a in attachments] == [
        (
            probe_role.outputs["name"],
            "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        )
    ]
    assert [p.name for p in run.of_type("aws:iam/rolePolicy:RolePolicy")] == ["web-test-gate-gate"]
    assert json.loads(probe_role.inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]


def test_gate_role_is_least_privilege(run: StackRun) -> None:
    probe = run.one(FUNCTION, "-probe")
    log_group = run.one("aws:cloudwatch/logGroup:LogGroup", "gate-gate")

    statements = {
        s["Sid"]: (s["Action"], s["Resource"]) for s in _policy(run, "gate-gate")["Statement"]
    }

    assert statements == {
        "ReportHookStatus": ("codedeploy:PutLifecycleEventHookExecutionStatus", "*"),
        "FindLoadBalancerAddresses": ("ec2:DescribeNetworkInterfaces", "*"),
        "InvokeProbe": ("lambda:InvokeFunction", probe.outputs["arn"]),
        "WriteOwnLogs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            f"{log_group.outputs['arn']}:*",
        ),
    }


def test_functions_wait_for_their_permissions_and_log_to_retained_groups(run: StackRun) -> None:
    probe, gate = run.one(FUNCTION, "-probe"), run.one(FUNCTION, "gate-gate")
    vpc_access = run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "vpc-access")
    gate_policy = run.one("aws:iam/rolePolicy:RolePolicy", "gate-gate")

    assert vpc_access.urn in probe.dependencies
    assert gate_policy.urn in gate.dependencies
    for function, suffix in ((probe, "probe"), (gate, "gate")):
        log_group = run.one("aws:cloudwatch/logGroup:LogGroup", f"gate-{suffix}")
        assert function.inputs["loggingConfig"]["logGroup"] == log_group.outputs["name"]
        assert log_group.inputs["retentionInDays"] == 14
        assert log_group.inputs["namePrefix"] == f"/aws/lambda/web-test-gate-{suffix}-"


def test_without_a_key_or_boundary_neither_is_set(run: StackRun) -> None:
    for group in run.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert "kmsKeyId" not in group.inputs
    for role in run.of_type("aws:iam/role:Role"):
        assert "permissionsBoundary" not in role.inputs


def test_log_groups_take_the_key_and_roles_the_boundary() -> None:
    run = _run(_args(kms_key_id=KEY_ARN, permissions_boundary=BOUNDARY))

    groups = run.of_type("aws:cloudwatch/logGroup:LogGroup")
    roles = run.of_type("aws:iam/role:Role")
    assert [g.inputs["kmsKeyId"] for g in groups] == [KEY_ARN, KEY_ARN]
    assert [r.inputs["permissionsBoundary"] for r in roles] == [BOUNDARY, BOUNDARY]


def test_everything_is_a_tagged_child_of_the_component(run: StackRun) -> None:
    component = run.one("ecs-blue-green:index:TestTrafficGate")
    children = [r for r in run.registrations if r is not component]
    untaggable = {
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    }

    assert {r.parent for r in children} == {component.urn}
    taggable = [r for r in children if r.type not in untaggable]
    assert len(taggable) == 8  # 2 functions, 2 roles, 2 log groups, the group and its rule
    assert all(r.inputs["tags"] == {"app:service": "web"} for r in taggable)


def test_exposes_the_hook_arn_and_the_probe_security_group() -> None:
    def program() -> None:
        gate = TestTrafficGate("web-test-gate", _args())
        pulumi.export("functionArn", gate.function_arn)
        pulumi.export("probeSecurityGroupId", gate.probe_security_group_id)

    run = run_program(program, config={})

    assert run.outputs == {
        "functionArn": run.one(FUNCTION, "gate-gate").outputs["arn"],
        "probeSecurityGroupId": run.one("aws:ec2/securityGroup:SecurityGroup").outputs["id"],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"paths": ["health"]}, r"paths: 'health' must start with '/'"),
        ({"paths": ["/a b"]}, r"paths: '/a b' must start with '/' and contain no spaces"),
        ({"paths": []}, r"paths: 0 paths given; allowed 1..10"),
        ({"paths": "/health"}, r"paths: '/health' must be a list of paths"),
        ({"attempts": 0}, r"attempts: 0 is outside 1..10"),
        ({"interval_seconds": 31}, r"interval_seconds: 31 is outside 1..30"),
        ({"timeout_seconds": 11}, r"timeout_seconds: 11 is outside 1..10"),
        ({"test_listener_port": 70000}, r"test_listener_port: 70000 is outside 1..65535"),
        ({"log_retention_days": 10}, r"log_retention_days: 10 is not one of \[1, 3, 5"),
    ],
)
def test_bad_settings_are_rejected_naming_the_setting(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _args(**change)
