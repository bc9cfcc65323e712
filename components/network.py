"""The VPC the service runs in: a new awsx VPC over two AZs, an existing one, or a shared
runtime's (`components.runtime_ref`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_awsx as awsx

from components.args import BlueGreenServiceArgs, NatStrategy
from components.runtime_ref import SharedRuntimeRef

_NAT = {
    "single": awsx.ec2.NatGatewayStrategy.SINGLE,
    "onePerAz": awsx.ec2.NatGatewayStrategy.ONE_PER_AZ,
}


@dataclass
class Network:
    """Where the ALB and the tasks live."""

    vpc_id: pulumi.Output[str]
    load_balancer_subnet_ids: pulumi.Output[Sequence[str]]
    task_subnet_ids: pulumi.Output[Sequence[str]]
    assign_public_ip: pulumi.Input[bool]
    """True when tasks sit in public subnets: without NAT that is their only way to ECR."""
    vpc: awsx.ec2.Vpc | None
    """The awsx VPC when this component created one (escape hatch), else None."""


def create_network(
    name: str, args: BlueGreenServiceArgs, tags: dict[str, str], parent: pulumi.Resource
) -> Network:
    if args.shared_runtime is not None:
        return shared_network(args.shared_runtime)
    if args.vpc_id is not None:
        # The subnet lists may be another resource's outputs (the component package).
        public = pulumi.Output.from_input(args.public_subnet_ids).apply(list)
        private = pulumi.Output.from_input(args.private_subnet_ids).apply(list)
        return Network(
            vpc_id=pulumi.Output.from_input(args.vpc_id),
            load_balancer_subnet_ids=public,
            task_subnet_ids=pulumi.Output.all(private, public).apply(lambda s: s[0] or s[1]),
            assign_public_ip=private.apply(lambda subnets: not subnets),
            vpc=None,
        )
    return create_vpc(name, args.nat_strategy, tags, parent)


def shared_network(runtime: SharedRuntimeRef) -> Network:
    """The runtime's VPC: tasks in its private subnets, or in the public ones (with public IPs)
    when the runtime has no NAT and so no private subnets."""
    subnets = pulumi.Output.all(runtime.private_subnet_ids, runtime.public_subnet_ids)
    return Network(
        vpc_id=pulumi.Output.from_input(runtime.vpc_id),
        load_balancer_subnet_ids=pulumi.Output.from_input(runtime.public_subnet_ids),
        task_subnet_ids=subnets.apply(lambda s: list(s[0]) or list(s[1])),
        assign_public_ip=subnets.apply(lambda s: not s[0]),
        vpc=None,
    )


def create_vpc(
    name: str,
    nat_strategy: NatStrategy,
    tags: dict[str, str],
    parent: pulumi.Resource,
    *,
    protect: bool | None = None,
) -> Network:
    """A new VPC over two AZs; `nat_strategy` decides whether tasks get private subnets.
    `protect` None inherits the parent's protection, as Pulumi does."""
    opts = pulumi.ResourceOptions(parent=parent, protect=protect)
    if nat_strategy == "none":
        # Public subnets only: private ones without NAT could not pull images.
        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            number_of_availability_zones=2,
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(
                strategy=awsx.ec2.NatGatewayStrategy.NONE
            ),
            subnet_specs=[awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PUBLIC)],
            tags=tags,
            opts=opts,
        )
        return Network(vpc.vpc_id, vpc.public_subnet_ids, vpc.public_subnet_ids, True, vpc)
    vpc = awsx.ec2.Vpc(
        f"{name}-vpc",
        number_of_availability_zones=2,
        nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=_NAT[nat_strategy]),
        tags=tags,
        opts=opts,
    )
    return Network(vpc.vpc_id, vpc.public_subnet_ids, vpc.private_subnet_ids, False, vpc)
