"""What a service needs to know about the shared runtime it attaches to.

The platform team runs one runtime stack per environment (`platform/runtime/`, the
`SharedRuntime` component). A service reads its outputs either through a Pulumi stack reference
(`sharedStack` setting, one service per stack) or straight from a `SharedRuntime` built in the
same program (several services in one stack, e.g. a monorepo). Both produce a `SharedRuntimeRef`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

#: The runtime stack's outputs, exactly as `platform/runtime/__main__.py` exports them, and the
#: `SharedRuntimeRef` field each fills.
OUTPUT_FIELDS: dict[str, str] = {
    "vpcId": "vpc_id",
    "publicSubnetIds": "public_subnet_ids",
    "privateSubnetIds": "private_subnet_ids",
    "clusterArn": "cluster_arn",
    "clusterName": "cluster_name",
    "loadBalancerArn": "load_balancer_arn",
    "loadBalancerArnSuffix": "load_balancer_arn_suffix",
    "loadBalancerDnsName": "load_balancer_dns_name",
    "loadBalancerSecurityGroupId": "load_balancer_security_group_id",
    "productionListenerArn": "production_listener_arn",
    "testListenerArn": "test_listener_arn",
}


@dataclass(frozen=True)
class SharedRuntimeRef:
    """The shared network, cluster and load balancer of one environment."""

    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Where load balancers go (the shared one, and CODE_DEPLOY services' own)."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Where tasks go; empty when the runtime has no NAT (tasks then run in the public subnets
    with public IPs, their only way to reach ECR)."""
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    load_balancer_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    """The `LoadBalancer` dimension of the ALB's CloudWatch metrics."""
    load_balancer_dns_name: pulumi.Input[str]
    load_balancer_security_group_id: pulumi.Input[str]
    """Tasks of services on the shared listeners admit this group."""
    production_listener_arn: pulumi.Input[str]
    test_listener_arn: pulumi.Input[str]

    @staticmethod
    def from_outputs(outputs: Mapping[str, pulumi.Input[Any]]) -> SharedRuntimeRef:
        """From a mapping named like the runtime stack's outputs (e.g. `SharedRuntime.outputs`)."""
        return SharedRuntimeRef(**{field: outputs[key] for key, field in OUTPUT_FIELDS.items()})


def missing_outputs_error(stack_name: str, outputs: Mapping[str, Any]) -> str | None:
    """The error for a referenced stack that lacks some runtime outputs, or None."""
    missing = [key for key in OUTPUT_FIELDS if outputs.get(key) is None]
    if not missing:
        return None
    return (
        f"sharedStack: stack {stack_name!r} lacks the runtime output(s) {', '.join(missing)}; "
        "is it a platform/runtime stack, and has it been deployed (`pulumi up`) with this version?"
    )


def from_stack_reference(
    stack_name: str, opts: pulumi.ResourceOptions | None = None
) -> SharedRuntimeRef:
    """Reads a runtime stack's outputs through a `pulumi.StackReference`.

    Stack references resolve during preview, so a stack without the runtime outputs fails the
    preview (which `pulumi up` runs first) with one message naming every missing output; every
    field carries that check, so no resource built from the reference is created.
    """
    reference = pulumi.StackReference(f"shared-runtime-{stack_name}", stack_name, opts=opts)

    def checked(outputs: dict[str, Any]) -> dict[str, Any]:
        error = missing_outputs_error(stack_name, outputs)
        if error:
            raise ValueError(error)
        return outputs

    outputs = reference.outputs.apply(checked)

    def output(key: str) -> pulumi.Output[Any]:
        return outputs.apply(lambda values: values[key])

    return SharedRuntimeRef(**{field: output(key) for key, field in OUTPUT_FIELDS.items()})
