"""Who may talk to whom: the world to production, a few to the test port, the ALB to tasks.

Rules are standalone resources (`aws.vpc.SecurityGroup{Ingress,Egress}Rule`) rather than
inline blocks, so the test gate can add its own rule later without the two fighting over
the group's rule list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs

#: TCP port range between the load balancer and the tasks. Tasks listen on one port only, and
#: only the load balancer's group is admitted, so the range opens nothing else.
ANY_PORT = (0, 65535)


@dataclass
class SecurityGroups:
    load_balancer: aws.ec2.SecurityGroup | None
    """The service's own load balancer's group; None on the shared listeners."""
    tasks: aws.ec2.SecurityGroup
    load_balancer_id: pulumi.Output[str]
    """The group of the load balancer in front of the tasks: its own, or the runtime's."""


def _ipv4(cidr: str) -> str | None:
    return None if ":" in cidr else cidr


def _ipv6(cidr: str) -> str | None:
    return cidr if ":" in cidr else None


def create_security_groups(
    name: str,
    args: BlueGreenServiceArgs,
    vpc_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> SecurityGroups:
    if args.uses_shared_listeners and args.shared_runtime is not None:
        return _attach_to_shared_load_balancer(
            name,
            args,
            vpc_id,
            load_balancer_security_group_id=args.shared_runtime.load_balancer_security_group_id,
            tags=tags,
            parent=parent,
        )
    child = pulumi.ResourceOptions(parent=parent)
    alb = aws.ec2.SecurityGroup(
        f"{name}-alb-sg", vpc_id=vpc_id, description=f"{name}: load balancer", tags=tags, opts=child
    )
    tasks = aws.ec2.SecurityGroup(
        f"{name}-tasks-sg", vpc_id=vpc_id, description=f"{name}: tasks", tags=tags, opts=child
    )
    redirect = args.certificate_arn is not None and args.http_redirect
    allow_listener_ingress(
        name,
        alb,
        production_ports=[args.production_port] + ([80] if redirect else []),
        allowed_cidrs=args.allowed_cidrs,
        test_listener_port=args.test_listener_port,
        test_listener_cidrs=args.test_listener_cidrs,
    )
    alb_child = pulumi.ResourceOptions(parent=alb)
    # Port-independent on purpose: while a release changes containerPort, blue still listens
    # on the old port and green on the new one, and the load balancer must reach both.
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-alb-out-tasks",
        security_group_id=alb.id,
        ip_protocol="tcp",
        from_port=ANY_PORT[0],
        to_port=ANY_PORT[1],
        referenced_security_group_id=tasks.id,
        description="to tasks",
        opts=alb_child,
    )
    _allow_tasks_traffic(name, tasks, alb.id)
    return SecurityGroups(alb, tasks, alb.id)


def _allow_tasks_traffic(
    name: str,
    tasks: aws.ec2.SecurityGroup,
    load_balancer_security_group_id: pulumi.Input[str],
) -> None:
    tasks_child = pulumi.ResourceOptions(parent=tasks)
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-tasks-in-alb",
        security_group_id=tasks.id,
        ip_protocol="tcp",
        from_port=ANY_PORT[0],
        to_port=ANY_PORT[1],
        referenced_security_group_id=load_balancer_security_group_id,
        description="from the load balancer only",
        opts=tasks_child,
    )
    # Tasks pull from ECR and write logs over the internet (or NAT); no VPC endpoints.
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-tasks-out-all",
        security_group_id=tasks.id,
        ip_protocol="-1",
        cidr_ipv4="0.0.0.0/0",
        description="image pulls, logs",
        opts=tasks_child,
    )


def _attach_to_shared_load_balancer(
    name: str,
    args: BlueGreenServiceArgs,
    vpc_id: pulumi.Input[str],
    *,
    load_balancer_security_group_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> SecurityGroups:
    """The tasks' group behind the runtime's load balancer. The runtime's group has no egress
    of its own, so each service opens it to its own tasks' group: standalone rules named after
    the service, which never touch another service's rules on the same group."""
    tasks = aws.ec2.SecurityGroup(
        f"{name}-tasks-sg",
        vpc_id=vpc_id,
        description=f"{name}: tasks",
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-alb-out-tasks",
        security_group_id=load_balancer_security_group_id,
        ip_protocol="tcp",
        # Any port, as on an own load balancer: a containerPort change keeps blue reachable.
        from_port=ANY_PORT[0],
        to_port=ANY_PORT[1],
        referenced_security_group_id=tasks.id,
        description=f"to the tasks of {name}",
        tags=tags,
        opts=pulumi.ResourceOptions(parent=tasks),
    )
    _allow_tasks_traffic(name, tasks, load_balancer_security_group_id)
    return SecurityGroups(None, tasks, pulumi.Output.from_input(load_balancer_security_group_id))


def allow_listener_ingress(
    name: str,
    alb: aws.ec2.SecurityGroup,
    *,
    production_ports: Sequence[int],
    allowed_cidrs: Sequence[str],
    test_listener_port: int,
    test_listener_cidrs: Sequence[str],
) -> None:
    """Opens the production ports to `allowed_cidrs` and the test port to `test_listener_cidrs`
    only (validation keeps the world out of those)."""
    alb_child = pulumi.ResourceOptions(parent=alb)
    for port in production_ports:
        for index, cidr in enumerate(allowed_cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-alb-in-{port}-{index}",
                security_group_id=alb.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description="production listener",
                cidr_ipv4=_ipv4(cidr),
                cidr_ipv6=_ipv6(cidr),
                opts=alb_child,
            )
    for index, cidr in enumerate(test_listener_cidrs):
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-in-test-{index}",
            security_group_id=alb.id,
            ip_protocol="tcp",
            from_port=test_listener_port,
            to_port=test_listener_port,
            description="test listener (unreleased versions)",
            cidr_ipv4=_ipv4(cidr),
            cidr_ipv6=_ipv6(cidr),
            opts=alb_child,
        )


def allow_test_traffic_from(
    name: str,
    groups: SecurityGroups,
    source_security_group_id: pulumi.Input[str],
    port: pulumi.Input[int],
) -> aws.vpc.SecurityGroupIngressRule:
    """Opens the test port to one security group (the test gate's probe); on the shared load
    balancer a rule of the service's own, beside every other service's.

    This matches only traffic to the ALB's private addresses: an internet-facing ALB's DNS
    name resolves to public ones, where a group reference never matches.
    """
    return aws.vpc.SecurityGroupIngressRule(
        f"{name}-alb-in-test-gate",
        security_group_id=groups.load_balancer_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        referenced_security_group_id=source_security_group_id,
        description="test listener from the test gate",
        opts=pulumi.ResourceOptions(parent=groups.load_balancer or groups.tasks),
    )
