"""`SharedRuntime`: the network, cluster and load balancer that many services of one
environment share.

Its listeners answer every request no service claims with a fixed 404: services add their own
rules (ECS-native blue/green, matched by host header or path), and nobody but the runtime ever
changes the default actions, so unlike a CODE_DEPLOY service's listeners nothing is ignored.
The test listener is closed to the world as in `BlueGreenService`: only the CIDRs given here and
the test gates (each service adds a rule for its own probe) reach it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.args import NAT_STRATEGIES, NatStrategy, _Checks, listener_errors
from components.ecs_service import create_cluster
from components.load_balancer import create_alb, create_production_listener
from components.network import create_vpc
from components.runtime_ref import SharedRuntimeRef
from components.security_groups import allow_listener_ingress

TYPE = "ecs-blue-green:index:SharedRuntime"
DEFAULT_NAME = "runtime"

#: Load balancer names are at most 32 characters; Pulumi appends 8 to the resource name.
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")

#: What the listeners answer when no service's rule matches.
NOT_FOUND = aws.lb.ListenerDefaultActionArgs(
    type="fixed-response",
    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
        content_type="text/plain",
        message_body="No service is routed for this host or path.",
        status_code="404",
    ),
)


@dataclass
class SharedRuntimeArgs:
    """One environment's runtime. All fields have working defaults."""

    nat_strategy: NatStrategy = "none"
    """`none` (tasks in public subnets with public IPs, cheapest), `single` or `onePerAz` (tasks
    in private subnets behind NAT). Default none, as for a service's own VPC."""
    certificate_arn: str | None = None
    """ACM certificate: production becomes HTTPS 443 plus an HTTP->HTTPS redirect on 80. Default
    None: HTTP 80. One certificate serves all services, so it must cover their host names."""
    test_listener_port: int = 8080
    """Port of the test listener that reaches unreleased versions. Default 8080."""
    allowed_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """Who may reach the production listener. Default: the world."""
    test_listener_cidrs: Sequence[str] = ()
    """Who may reach the test listener besides the services' test gates. Default: nobody."""
    protect: bool = True
    """Protect the VPC (with its subnets and NAT), the cluster, the load balancer and its
    listeners: every service of the environment runs on them, so a change that would delete or
    replace one (another natStrategy, `pulumi destroy`) is refused at preview instead of taking
    all services down. HTTP <-> HTTPS is neither: the production listener changes in place.
    Default True; False for throwaway environments. Security groups and their rules stay
    unprotected: changing who may connect is routine."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on every taggable resource."""

    @property
    def production_port(self) -> int:
        return 443 if self.certificate_arn else 80

    def validate(self, name: str) -> None:
        """Raises ValueError listing every bad setting; nothing is created before this."""
        c = _Checks()
        c.check(
            bool(_NAME.match(name)),
            f"name: {name!r} must be 1-20 lowercase letters, digits or '-', starting with a "
            "letter (it prefixes the load balancer's name, which AWS limits to 32 characters)",
        )
        c.check(
            self.nat_strategy in NAT_STRATEGIES,
            f"natStrategy: {self.nat_strategy!r} is not one of {', '.join(NAT_STRATEGIES)}",
        )
        listener_errors(
            c,
            certificate_arn=self.certificate_arn,
            test_listener_port=self.test_listener_port,
            allowed_cidrs=self.allowed_cidrs,
            test_listener_cidrs=self.test_listener_cidrs,
        )
        if c.errors:
            raise ValueError(
                "invalid SharedRuntime settings:\n" + "\n".join(f"  - {e}" for e in c.errors)
            )


class SharedRuntime(pulumi.ComponentResource):
    """VPC, ECS cluster, internet-facing ALB with its security group, production and test
    listeners. `outputs` are the runtime stack's outputs; `ref()` hands them to services built
    in the same program."""

    def __init__(
        self,
        name: str,
        args: SharedRuntimeArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        args = args or SharedRuntimeArgs()
        # Before super().__init__: a bad setting must not leave even the component behind.
        args.validate(name)
        super().__init__(TYPE, name, None, opts)
        tags = {
            "app:runtime": name,
            "app:project": pulumi.get_project(),
            "app:stack": pulumi.get_stack(),
            **args.tags,
        }
        self.network = create_vpc(name, args.nat_strategy, tags, self, protect=args.protect)
        self.cluster, self.capacity_providers = create_cluster(
            f"{name}-cluster", tags, self, protect=args.protect
        )
        self.load_balancer_security_group = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=self.network.vpc_id,
            description=f"{name}: shared load balancer",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # No egress rule: the provider removes AWS's default allow-all, and each service opens
        # the way to its own tasks' port, so the ALB reaches nothing else.
        allow_listener_ingress(
            name,
            self.load_balancer_security_group,
            production_ports=[args.production_port] + ([80] if args.certificate_arn else []),
            allowed_cidrs=args.allowed_cidrs,
            test_listener_port=args.test_listener_port,
            test_listener_cidrs=args.test_listener_cidrs,
        )
        self.load_balancer = create_alb(
            f"{name}-alb",
            self.network.load_balancer_subnet_ids,
            self.load_balancer_security_group.id,
            tags,
            self,
            protect=args.protect,
        )
        alb = self.load_balancer
        self.production_listener, self.redirect_listener, self.url = create_production_listener(
            name,
            alb,
            args.certificate_arn,
            default_actions=[NOT_FOUND],
            tags=tags,
        )
        self.test_listener = aws.lb.Listener(
            f"{name}-test",
            load_balancer_arn=alb.arn,
            port=args.test_listener_port,
            protocol="HTTP",
            default_actions=[NOT_FOUND],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=alb),
        )
        # Without NAT there are no private subnets (tasks run in the public ones).
        no_private: pulumi.Output[Sequence[str]] = pulumi.Output.from_input([])
        private_subnet_ids = (
            no_private if args.nat_strategy == "none" else self.network.task_subnet_ids
        )
        self.outputs: dict[str, pulumi.Output[object]] = {
            "vpcId": self.network.vpc_id,
            "publicSubnetIds": self.network.load_balancer_subnet_ids,
            "privateSubnetIds": private_subnet_ids,
            "clusterArn": self.cluster.arn,
            "clusterName": self.cluster.name,
            "loadBalancerArn": alb.arn,
            "loadBalancerArnSuffix": alb.arn_suffix,
            "loadBalancerDnsName": alb.dns_name,
            "loadBalancerSecurityGroupId": self.load_balancer_security_group.id,
            "productionListenerArn": self.production_listener.arn,
            "testListenerArn": self.test_listener.arn,
        }
        self.register_outputs(dict(self.outputs))

    def ref(self) -> SharedRuntimeRef:
        """The runtime for services built in the same program (no stack reference needed)."""
        return SharedRuntimeRef.from_outputs(self.outputs)
