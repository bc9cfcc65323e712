"""The Application Load Balancer: production and test listeners, blue and green target groups.

The listeners' default actions depend on the release controller:

- CODE_DEPLOY: they forward to blue, and CodeDeploy swaps their target groups on every release,
  so they ignore changes to `defaultActions`: the next `pulumi up` must not swap them back.
- ECS: ECS-native blue/green shifts listener *rules* (components/listener_rules.py),
  so the default actions only answer requests no rule matches (a fixed 404) and keep full
  drift detection.

Everything here is built so that config changes apply in place (see docs/operations.md):

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

from components.access_logs import AccessLogs
from components.args import DEFAULT_SSL_POLICY, BlueGreenServiceArgs

#: What CodeDeploy owns on the listeners it routes.
LISTENER_IGNORED = ["defaultActions"]

#: Under the ECS controller, what a listener answers when none of its rules match.
NOT_FOUND = aws.lb.ListenerDefaultActionArgs(
    type="fixed-response",
    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
        content_type="text/plain", message_body="Not Found", status_code="404"
    ),
)

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
    access_logs: AccessLogs | None = None,
) -> LoadBalancer:
    """`access_logs`: the bucket the ALB writes its access logs to. Default None: no logs."""
    alb = create_alb(
        f"{name}-alb", subnet_ids, security_group_id, tags, parent, access_logs=access_logs
    )
    blue = _target_group(f"{name}-blue", args, vpc_id, tags, parent)
    green = _target_group(f"{name}-green", args, vpc_id, tags, parent)
    if args.deployment_controller == "CODE_DEPLOY":
        ignored: list[str] = LISTENER_IGNORED
        default_actions = [
            aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=blue.arn)
        ]
    else:
        ignored = []
        default_actions = [NOT_FOUND]
    production, redirect, url = create_production_listener(
        name,
        alb,
        args.certificate_arn,
        ssl_policy=args.ssl_policy,
        http_redirect=args.http_redirect,
        default_actions=default_actions,
        tags=tags,
        ignore_changes=ignored,
        depends_on=[blue, green],
    )
    test = aws.lb.Listener(
        f"{name}-test",
        load_balancer_arn=alb.arn,
        port=args.test_listener_port,
        protocol="HTTP",
        default_actions=default_actions,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=alb, ignore_changes=ignored, depends_on=[blue, green]),
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
    access_logs: AccessLogs | None = None,
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
        access_logs=(
            aws.lb.LoadBalancerAccessLogsArgs(bucket=access_logs.bucket_name, enabled=True)
            if access_logs
            else None
        ),
        tags=tags,
        # ELB checks that it may write to the bucket when logging is switched on.
        opts=pulumi.ResourceOptions(
            parent=parent,
            protect=protect,
            depends_on=[access_logs.policy] if access_logs else None,
        ),
    )


def create_production_listener(
    name: str,
    alb: aws.lb.LoadBalancer,
    certificate_arn: str | None,
    *,
    ssl_policy: str = DEFAULT_SSL_POLICY,
    http_redirect: bool = True,
    default_actions: Sequence[aws.lb.ListenerDefaultActionArgs],
    tags: dict[str, str],
    ignore_changes: list[str] | None = None,
    depends_on: list[pulumi.Resource] | None = None,
) -> tuple[aws.lb.Listener, aws.lb.Listener | None, pulumi.Output[str]]:
    """One listener, `<name>-production`: HTTPS on 443 with a certificate (plus, with
    `http_redirect`, an HTTP->HTTPS redirect on 80), else HTTP on 80. Returns the production
    listener, the redirect listener (or None) and the URL."""
    https = certificate_arn is not None
    production = aws.lb.Listener(
        f"{name}-production",
        load_balancer_arn=alb.arn,
        port=443 if https else 80,
        protocol="HTTPS" if https else "HTTP",
        ssl_policy=ssl_policy if https else None,
        certificate_arn=certificate_arn,
        default_actions=default_actions,
        tags=tags,
        opts=pulumi.ResourceOptions(
            parent=alb,
            ignore_changes=ignore_changes,
            depends_on=depends_on,
            aliases=production_listener_aliases(name),
        ),
    )
    redirect: aws.lb.Listener | None = None
    if https and http_redirect:
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
    return production, redirect, alb.dns_name.apply(lambda dns: f"{scheme}://{dns}")
