"""The Application Load Balancer: production and test listeners, blue and green target groups.

CodeDeploy swaps the listeners' target groups on every release, so the forwarding listeners
ignore changes to `defaultActions`: the next `pulumi up` must not swap them back. Everything
here is built so that config changes apply in place (see docs/operations.md):

- the target groups' `port` (ForceNew in the provider) is a constant, not the container port;
- the production listener is one resource whatever the protocol: turning HTTPS on or off is a
  ModifyListener of its port, protocol, certificate and policy, which AWS allows in place
  ("Changing the protocol from HTTPS to HTTP ... removes the security policy and default
  certificate", botocore elbv2 ModifyListener), so it keeps forwarding to whichever target group
  is live instead of a new listener starting on blue;
- the forwarding listeners depend on both target groups: after an odd number of releases they
  forward to green, and a destroy must delete them before either group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs

#: What CodeDeploy owns on the listeners it routes.
LISTENER_IGNORED = ["defaultActions"]

#: The target groups' port. For `ip` targets ECS registers each task with the container port
#: from the service's load-balancer binding, and the health check uses the traffic port (the
#: port each target was registered with), so this value only labels the group. It is ForceNew
#: (terraform-provider-aws internal/service/elbv2/target_group.go): deriving it from
#: containerPort replaced both groups under live traffic. Stacks created before keep their
#: old value: `port` is ignored after creation, so upgrading replaces nothing.
TARGET_GROUP_PORT = 80
TARGET_GROUP_IGNORED = ["port"]


def production_listener_aliases(name: str) -> list[pulumi.Alias]:
    """The names the production listener had when HTTP and HTTPS were separate resources, so
    stacks created then adopt it in place instead of replacing it."""
    return [pulumi.Alias(name=f"{name}-http"), pulumi.Alias(name=f"{name}-https")]


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
        port=TARGET_GROUP_PORT,
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
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=TARGET_GROUP_IGNORED),
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
    alb = aws.lb.LoadBalancer(
        f"{name}-alb",
        load_balancer_type="application",
        internal=False,
        subnets=subnet_ids,
        security_groups=[security_group_id],
        drop_invalid_header_fields=True,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    blue = _target_group(f"{name}-blue", args, vpc_id, tags, parent)
    green = _target_group(f"{name}-green", args, vpc_id, tags, parent)

    def owned_by_codedeploy(aliases: list[pulumi.Alias] | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=alb, ignore_changes=LISTENER_IGNORED, depends_on=[blue, green], aliases=aliases
        )

    forward_to_blue = [aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=blue.arn)]
    https = args.certificate_arn is not None
    production = aws.lb.Listener(
        f"{name}-production",
        load_balancer_arn=alb.arn,
        port=args.production_port,
        protocol="HTTPS" if https else "HTTP",
        ssl_policy=args.ssl_policy if https else None,
        certificate_arn=args.certificate_arn,
        default_actions=forward_to_blue,
        tags=tags,
        opts=owned_by_codedeploy(aliases=production_listener_aliases(name)),
    )
    redirect: aws.lb.Listener | None = None
    if https and args.http_redirect:
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
            # Port 80 is free only once the production listener has moved to 443.
            opts=pulumi.ResourceOptions(parent=alb, depends_on=[production]),
        )
    scheme = "https" if https else "http"
    url = alb.dns_name.apply(lambda dns: f"{scheme}://{dns}")
    test = aws.lb.Listener(
        f"{name}-test",
        load_balancer_arn=alb.arn,
        port=args.test_listener_port,
        protocol="HTTP",
        default_actions=forward_to_blue,
        tags=tags,
        opts=owned_by_codedeploy(),
    )
    port = args.test_listener_port
    test_url = alb.dns_name.apply(lambda dns: f"http://{dns}:{port}")
    return LoadBalancer(alb, blue, green, production, test, redirect, url, test_url)
