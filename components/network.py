"""The VPC the service runs in: a new awsx VPC over two AZs, or an existing one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_awsx as awsx

from components.args import BlueGreenServiceArgs

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
    assign_public_ip: bool
    """True when tasks sit in public subnets: without NAT that is their only way to ECR."""
    vpc: awsx.ec2.Vpc | None
    """The awsx VPC when this component created one (escape hatch), else None."""


def create_network(
    name: str, args: BlueGreenServiceArgs, tags: dict[str, str], parent: pulumi.Resource
) -> Network:
    if args.vpc_id is not None:
        private = list(args.private_subnet_ids)
        return Network(
            vpc_id=pulumi.Output.from_input(args.vpc_id),
            load_balancer_subnet_ids=pulumi.Output.from_input(list(args.public_subnet_ids)),
            task_subnet_ids=pulumi.Output.from_input(private or list(args.public_subnet_ids)),
            assign_public_ip=not private,
            vpc=None,
        )
    if args.nat_strategy == "none":
        # Public subnets only: private ones without NAT could not pull images.
        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            number_of_availability_zones=2,
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(
                strategy=awsx.ec2.NatGatewayStrategy.NONE
            ),
            subnet_specs=[awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PUBLIC)],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return Network(vpc.vpc_id, vpc.public_subnet_ids, vpc.public_subnet_ids, True, vpc)
    vpc = awsx.ec2.Vpc(
        f"{name}-vpc",
        number_of_availability_zones=2,
        nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=_NAT[args.nat_strategy]),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return Network(vpc.vpc_id, vpc.public_subnet_ids, vpc.private_subnet_ids, False, vpc)
