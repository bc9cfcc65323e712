"""The Application Load Balancer: production and test listeners, blue and green target groups.

CodeDeploy swaps the listeners' target groups on every release, so the forwarding listeners
ignore changes to `defaultActions`: the next `pulumi up` must not swap them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs

#: TLS 1.3 with 1.2 fallback: AWS's recommended policy for new HTTPS listeners.
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"

#: What CodeDeploy owns on the listeners it routes.
LISTENER_IGNORED = ["defaultActions"]


@dataclass
class LoadBalancer:
    load_balancer: aws.lb.LoadBalancer
    blue: aws.lb.TargetGroup
    green: aws.lb.TargetGroup
    production_listener: aws.lb.Listener
    test_listener: aws.lb.Listener
    redirect_listener: aws.lb.Listener | None
    url: pulumi.Output[str]
    test_url: pulumi.Output[str]


def _target_group(
    name: str,
    args: BlueGreenServiceArgs,
    vpc_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> aws.lb.TargetGroup:
    return aws.lb.TargetGroup(
        name,
        target_type="ip",
        protocol="HTTP",
        port=args.container_port,
        vpc_id=vpc_id,
        deregistration_delay=args.deregistration_delay_seconds,
        health_check={
            "enabled": True,
            "path": args.health_check_path,
            "protocol": "HTTP",
            "matcher": "200",
            "interval": args.health_check_interval_seconds,
            "timeout": args.health_check_timeout_seconds,
            "healthy_threshold": args.healthy_threshold,
            "unhealthy_threshold": args.unhealthy_threshold,
        },
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_load_balancer(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    vpc_id: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[str]],
    security_group_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> LoadBalancer:
    alb = create_alb(f"{name}-alb", subnet_ids, security_group_id, tags, parent)
    blue = _target_group(f"{name}-blue", args, vpc_id, tags, parent)
    green = _target_group(f"{name}-green", args, vpc_id, tags, parent)
    owned_by_codedeploy = pulumi.ResourceOptions(parent=alb, ignore_changes=LISTENER_IGNORED)
    forward_to_blue = [aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=blue.arn)]
    production, redirect, url = create_production_listener(
        name,
        alb,
        args.certificate_arn,
        default_actions=forward_to_blue,
        tags=tags,
        opts=owned_by_codedeploy,
    )
    test = aws.lb.Listener(
        f"{name}-test",
        load_balancer_arn=alb.arn,
        port=args.test_listener_port,
        protocol="HTTP",
        default_actions=forward_to_blue,
        tags=tags,
        opts=owned_by_codedeploy,
    )
    port = args.test_listener_port
    test_url = alb.dns_name.apply(lambda dns: f"http://{dns}:{port}")
    return LoadBalancer(alb, blue, green, production, test, redirect, url, test_url)


def create_alb(
    name: str,
    subnet_ids: pulumi.Input[Sequence[str]],
    security_group_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
    *,
    protect: bool | None = None,
) -> aws.lb.LoadBalancer:
    """An internet-facing ALB that drops malformed headers (request smuggling). Its listeners
    are its children and so share its protection."""
    return aws.lb.LoadBalancer(
        name,
        load_balancer_type="application",
        internal=False,
        subnets=subnet_ids,
        security_groups=[security_group_id],
        drop_invalid_header_fields=True,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )


def create_production_listener(
    name: str,
    alb: aws.lb.LoadBalancer,
    certificate_arn: str | None,
    *,
    default_actions: Sequence[aws.lb.ListenerDefaultActionArgs],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> tuple[aws.lb.Listener, aws.lb.Listener | None, pulumi.Output[str]]:
    """HTTPS on 443 plus an HTTP->HTTPS redirect on 80 with a certificate, else HTTP on 80.
    Returns the production listener, the redirect listener (or None) and the URL."""
    if certificate_arn:
        production = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=SSL_POLICY,
            certificate_arn=certificate_arn,
            default_actions=default_actions,
            tags=tags,
            opts=opts,
        )
        redirect = aws.lb.Listener(
            f"{name}-http-redirect",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"
                    ),
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=alb),
        )
        return production, redirect, alb.dns_name.apply(lambda dns: f"https://{dns}")
    production = aws.lb.Listener(
        f"{name}-http",
        load_balancer_arn=alb.arn,
        port=80,
        protocol="HTTP",
        default_actions=default_actions,
        tags=tags,
        opts=opts,
    )
    return production, None, alb.dns_name.apply(lambda dns: f"http://{dns}")
