"""The modelled `awsx` provider plugin (pulumi-awsx 3.11.0): the `awsx:ec2:Vpc` component.

Served with the SDK's own component-provider support (`pulumi.provider.main`): the engine calls
`Construct`, and this builds the children awsx creates as real registrations under the
component (they reach the modelled `aws` plugin like any other AWS resource):
the VPC, an internet gateway, per availability zone a subnet of each requested type with its
route table, association and default route, and the Elastic IPs and NAT gateways of the NAT
strategy (NONE, SINGLE: one in the first public subnet, ONE_PER_AZ: one per zone).

Names follow awsx's scheme (`<vpc>-public-1`, `<vpc>-private-1`, `<vpc>-1` for EIPs and NAT
gateways). Not modelled: awsx's exact CIDR layout (here each zone gets a /19 of 10.0.0.0/16, a
public /20 then a private /20), isolated subnets, VPC endpoints, IPv6, subnet-spec sizes.
"""

from __future__ import annotations

import sys
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.provider import ConstructResult, Provider, main

from offline import collector

VERSION = "3.11.0"


def _strategy(inputs: Any) -> str:
    nat = inputs.get("natGateways") or {}
    return str(nat.get("strategy") or "OnePerAz")


def _types(inputs: Any) -> list[str]:
    specs = inputs.get("subnetSpecs") or []
    if not specs:
        return ["Public", "Private"]
    return [str(spec.get("type")) for spec in specs]


def _zone(names: pulumi.Output[list[str]], index: int) -> pulumi.Output[str]:
    return names.apply(lambda found: found[index % len(found)])


class VpcComponent(pulumi.ComponentResource):
    """The children of one `awsx.ec2.Vpc`."""

    def __init__(self, name: str, inputs: Any, opts: pulumi.ResourceOptions) -> None:
        super().__init__("awsx:ec2:Vpc", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(inputs.get("tags") or {})
        count = int(inputs.get("numberOfAvailabilityZones") or 3)
        zones = aws.get_availability_zones_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.vpc = aws.ec2.Vpc(
            name,
            cidr_block=inputs.get("cidrBlock") or "10.0.0.0/16",
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**tags, "Name": name},
            opts=child,
        )
        self.internet_gateway = aws.ec2.InternetGateway(
            name, vpc_id=self.vpc.id, tags={**tags, "Name": name}, opts=child
        )
        strategy, types = _strategy(inputs), _types(inputs)
        self.public: list[aws.ec2.Subnet] = []
        self.private: list[aws.ec2.Subnet] = []
        self.nat_gateways: list[aws.ec2.NatGateway] = []
        self.eips: list[aws.ec2.Eip] = []
        for index in range(count):
            zone = _zone(zones.names, index)
            number = index + 1
            if "Public" in types:
                subnet, table = self._subnet(
                    name, "public", number, zone, index=index, slot=0, tags=tags
                )
                self.public.append(subnet)
                aws.ec2.Route(
                    f"{name}-public-{number}-ig",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    gateway_id=self.internet_gateway.id,
                    opts=pulumi.ResourceOptions(parent=table),
                )
                if strategy == "OnePerAz" or (strategy == "Single" and index == 0):
                    eip = aws.ec2.Eip(f"{name}-{number}", domain="vpc", tags=tags, opts=child)
                    self.eips.append(eip)
                    self.nat_gateways.append(
                        aws.ec2.NatGateway(
                            f"{name}-{number}",
                            subnet_id=subnet.id,
                            allocation_id=eip.allocation_id,
                            tags=tags,
                            opts=child,
                        )
                    )
        for index in range(count):
            zone = _zone(zones.names, index)
            number = index + 1
            if "Private" in types:
                subnet, table = self._subnet(
                    name, "private", number, zone, index=index, slot=1, tags=tags
                )
                self.private.append(subnet)
                if self.nat_gateways:
                    nat = self.nat_gateways[index % len(self.nat_gateways)]
                    aws.ec2.Route(
                        f"{name}-private-{number}-nat-{index % len(self.nat_gateways) + 1}",
                        route_table_id=table.id,
                        destination_cidr_block="0.0.0.0/0",
                        nat_gateway_id=nat.id,
                        opts=pulumi.ResourceOptions(parent=table),
                    )
        self.register_outputs({})

    def _subnet(
        self, name: str, kind: str, number: int, zone: Any, *, index: int, slot: int, tags: Any
    ) -> tuple[aws.ec2.Subnet, aws.ec2.RouteTable]:
        label = f"{name}-{kind}-{number}"
        subnet = aws.ec2.Subnet(
            label,
            vpc_id=self.vpc.id,
            availability_zone=zone,
            cidr_block=f"10.0.{index * 32 + slot * 16}.0/20",
            map_public_ip_on_launch=kind == "public",
            tags={**tags, "Name": label, "SubnetType": kind.capitalize()},
            opts=pulumi.ResourceOptions(parent=self),
        )
        table = aws.ec2.RouteTable(
            label, vpc_id=self.vpc.id, tags=tags, opts=pulumi.ResourceOptions(parent=subnet)
        )
        aws.ec2.RouteTableAssociation(
            label,
            subnet_id=subnet.id,
            route_table_id=table.id,
            opts=pulumi.ResourceOptions(parent=table),
        )
        return subnet, table


class AwsxProvider(Provider):
    def __init__(self) -> None:
        super().__init__(VERSION)

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: pulumi.Inputs,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        if resource_type != "awsx:ec2:Vpc":
            raise NotImplementedError(f"the modelled awsx provider does not build {resource_type}")
        vpc = VpcComponent(name, inputs, options or pulumi.ResourceOptions())
        ids = lambda subnets: pulumi.Output.all(*[s.id for s in subnets])  # noqa: E731
        return ConstructResult(
            urn=vpc.urn,
            state={
                "vpcId": vpc.vpc.id,
                "vpc": vpc.vpc,
                "internetGateway": vpc.internet_gateway,
                "publicSubnetIds": ids(vpc.public),
                "privateSubnetIds": ids(vpc.private),
                "isolatedSubnetIds": [],
                "subnets": [*vpc.public, *vpc.private],
                "publicSubnets": vpc.public,
                "privateSubnets": vpc.private,
                "isolatedSubnets": [],
                "natGateways": vpc.nat_gateways,
                "eips": vpc.eips,
                "vpcEndpoints": [],
            },
        )


if __name__ == "__main__":
    collector.settle()
    main(AwsxProvider(), sys.argv[1:])
