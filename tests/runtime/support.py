"""Runs platform/runtime/__main__.py under mocks, and feeds service stacks a runtime's outputs."""

from __future__ import annotations

import runpy
from collections.abc import Mapping
from typing import Any

import yaml

from components.runtime_ref import OUTPUT_FIELDS
from tests.harness import ACCOUNT, REGION, ROOT, StackMocks, StackRun, run_program

RUNTIME = ROOT / "platform" / "runtime"
PROJECT = "ecs-blue-green-runtime"
DECLARED: dict[str, dict[str, Any]] = yaml.safe_load((RUNTIME / "Pulumi.yaml").read_text())[
    "config"
]
SHARED_STACK = "acme/ecs-blue-green-runtime/dev"


def runtime_config(stack: str = "dev", **overrides: Any) -> dict[str, Any]:
    """What the CLI passes: Pulumi.yaml's defaults, then the stack file, then `overrides`."""
    stack_file = yaml.safe_load((RUNTIME / f"Pulumi.{stack}.yaml").read_text())["config"]
    defaults = {f"{PROJECT}:{key}": d["default"] for key, d in DECLARED.items()}
    return defaults | stack_file | {f"{PROJECT}:{k}": v for k, v in overrides.items()}


def run_runtime(config: Mapping[str, Any], *, raise_errors: bool = True) -> StackRun:
    return run_program(
        lambda: runpy.run_path(str(RUNTIME / "__main__.py"), run_name="__main__"),
        config=config,
        project=PROJECT,
        raise_errors=raise_errors,
    )


def runtime_outputs(*, private: bool = True) -> dict[str, Any]:
    """A deployed runtime stack's outputs, shaped as AWS returns them."""
    alb = (
        f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/dev-alb/50dc6c495c0c9188"
    )
    listener = alb.replace(":loadbalancer/", ":listener/")
    outputs = {
        "vpcId": "vpc-0shared",
        "publicSubnetIds": ["subnet-0pub1", "subnet-0pub2"],
        "privateSubnetIds": ["subnet-0priv1", "subnet-0priv2"] if private else [],
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/dev-cluster-0a1b2c3",
        "clusterName": "dev-cluster-0a1b2c3",
        "loadBalancerArn": alb,
        "loadBalancerArnSuffix": "app/dev-alb/50dc6c495c0c9188",
        "loadBalancerDnsName": "dev-alb-1234.eu-west-1.elb.amazonaws.com",
        "loadBalancerSecurityGroupId": "sg-0shared",
        "productionListenerArn": f"{listener}/0000000000000080",
        "testListenerArn": f"{listener}/0000000000008080",
    }
    assert set(outputs) == set(OUTPUT_FIELDS)
    return outputs


def runtime_listeners(outputs: Mapping[str, Any], *, https: bool = False) -> dict[str, Any]:
    """What `aws.lb.getListener` returns for the runtime's two listeners."""
    production = {"port": 443, "protocol": "HTTPS"} if https else {"port": 80, "protocol": "HTTP"}
    return {
        arn: {"arn": arn, "loadBalancerArn": outputs.get("loadBalancerArn"), **shape}
        for arn, shape in (
            (outputs.get("productionListenerArn"), production),
            (outputs.get("testListenerArn"), {"port": 8080, "protocol": "HTTP"}),
        )
        if arn
    }


def mocks_with_runtime(
    outputs: Mapping[str, Any], stack: str = SHARED_STACK, *, https: bool = False
) -> StackMocks:
    mocks = StackMocks()
    mocks.stack_outputs = {stack: outputs}
    mocks.listeners = runtime_listeners(outputs, https=https)
    return mocks
