"""Bad settings fail before anything is registered, with the key and the allowed values."""

from __future__ import annotations

from typing import Any

import pytest

from tests.change_matrix import CERT
from tests.harness import run_main, stack_config

CASES: list[tuple[dict[str, Any], str]] = [
    ({"cpu": 300}, "cpu: 300 is not a Fargate size; allowed: [256, 512"),
    (
        {"cpu": 256, "memory": 4096},
        "memory: 4096 does not pair with cpu 256; allowed: 512, 1024, 2048",
    ),
    ({"cpu": 1024, "memory": 1024}, "allowed: 2048..8192 in steps of 1024"),
    ({"containerPort": 70000}, "containerPort: 70000 is outside 1..65535"),
    ({"testListenerPort": 0}, "testListenerPort: 0 is outside 1..65535"),
    ({"testListenerPort": 80}, "testListenerPort: 80 clashes with the production listener"),
    # With a certificate production is HTTPS 443 and port 80 carries the HTTP->HTTPS redirect.
    (
        {"testListenerPort": 80, "certificateArn": CERT},
        "testListenerPort: 80 clashes with the production listener port(s) [80, 443]",
    ),
    (
        {"testListenerPort": 443, "certificateArn": CERT},
        "testListenerPort: 443 clashes with the production listener port(s) [80, 443]",
    ),
    ({"healthCheckPath": "health"}, "healthCheckPath: 'health' must start with '/'"),
    ({"desiredCount": 0}, "desiredCount: 0 is outside 1..1000"),
    ({"terminationWaitMinutes": 2881}, "terminationWaitMinutes: 2881 is outside 0..2880"),
    ({"approvalWaitMinutes": -1}, "approvalWaitMinutes: -1 is outside 0..2880"),
    ({"trafficShift": "Canary"}, "trafficShift: 'Canary' is not one of AllAtOnce"),
    ({"trafficShift": "Linear0PercentEvery1Minutes"}, "is out of range"),
    ({"allowedCidrs": ["10.0.0.300/8"]}, "allowedCidrs: '10.0.0.300/8' is not a CIDR block"),
    ({"allowedCidrs": ["10.0.0.1/8"]}, "allowedCidrs: '10.0.0.1/8' is not a CIDR block"),
    ({"testListenerCidrs": ["::/0"]}, "testListenerCidrs: must not open the test listener"),
    (
        {"certificateArn": "arn:aws:iam::123:cert"},
        "certificateArn: 'arn:aws:iam::123:cert' is not an ACM",
    ),
    ({"logRetentionDays": 10}, "logRetentionDays: 10 is not one of [1, 3, 5"),
    ({"stopTimeoutSeconds": 121}, "stopTimeoutSeconds: 121 is outside 2..120"),
    ({"healthCheckTimeoutSeconds": 10}, "healthCheckTimeoutSeconds: 10 must be below"),
    ({"healthyThreshold": 1}, "healthyThreshold: 1 is outside 2..10"),
    ({"deregistrationDelaySeconds": 4000}, "deregistrationDelaySeconds: 4000 is outside 0..3600"),
    ({"natStrategy": "double"}, "natStrategy: 'double' is not one of none, single, onePerAz"),
    (
        {"vpcId": "vpc-0abc", "publicSubnetIds": ["subnet-0a"]},
        "publicSubnetIds: an existing VPC needs at least two",
    ),
    ({"publicSubnetIds": ["subnet-0a", "subnet-0b"]}, "only apply with vpcId"),
    (
        {"vpcId": "my-vpc", "publicSubnetIds": ["subnet-0a", "subnet-0b"]},
        "vpcId: 'my-vpc' is not a VPC id",
    ),
    ({"serviceName": "Web_App"}, "serviceName: 'Web_App' must be 1-18 lowercase"),
    ({"imageUri": "not an image"}, "imageUri: 'not an image' is not an image reference"),
    ({"testGatePaths": ["health"]}, "testGatePaths: 'health' must start with '/'"),
    (
        {"beforeInstallHook": "my-function"},
        "hooks.BeforeInstall: 'my-function' is not a Lambda function ARN",
    ),
    (
        {"afterAllowTestTrafficHook": "arn:aws:lambda:eu-west-1:123456789012:function:f"},
        "hooks.AfterAllowTestTraffic: the built-in test gate uses this event; set "
        "testGateEnabled=false",
    ),
    (
        {"autoscalingEnabled": True, "autoscalingMinCount": 5, "autoscalingMaxCount": 3},
        "autoscalingMaxCount: 3 must be >= autoscalingMinCount 5",
    ),
    (
        {
            "autoscalingEnabled": True,
            "autoscalingMinCount": 1,
            "autoscalingMaxCount": 3,
            "desiredCount": 5,
        },
        "desiredCount: 5 must lie within autoscalingMinCount..MaxCount (1..3)",
    ),
    (
        {"autoscalingEnabled": True, "autoscalingCpuTargetPercent": 95},
        "autoscalingCpuTargetPercent: 95 is outside 10..90",
    ),
    ({"deploymentTimeoutMinutes": 2}, "deploymentTimeoutMinutes: 2 is outside 5..8640"),
    ({"appVersion": "drill good"}, "appVersion: 'drill good' must be 1-128 printable ASCII"),
    (
        {"failHealthCheck": True, "testGateEnabled": False},
        "failHealthCheck: true needs testGateEnabled with healthCheckPath among testGatePaths",
    ),
    (
        {"failHealthCheck": True, "testGatePaths": ["/"]},
        "failHealthCheck: true needs testGateEnabled with healthCheckPath among testGatePaths",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "message"),
    CASES,
    ids=[next(iter(c[0])) + "-" + str(i) for i, c in enumerate(CASES)],
)
def test_bad_setting_fails_before_any_resource(overrides: dict[str, Any], message: str) -> None:
    config = {**stack_config("dev"), **{f"ecs-blue-green:{k}": v for k, v in overrides.items()}}
    run = run_main(config, raise_errors=False)
    assert run.error is not None, "the program accepted a bad setting"
    assert message in str(run.error)
    assert run.registrations == [], "resources were registered before validation failed"


def test_all_problems_are_reported_at_once() -> None:
    config = {
        **stack_config("dev"),
        "ecs-blue-green:cpu": 300,
        "ecs-blue-green:healthCheckPath": "x",
    }
    run = run_main(config, raise_errors=False)
    assert "cpu: 300" in str(run.error)
    assert "healthCheckPath: 'x'" in str(run.error)
