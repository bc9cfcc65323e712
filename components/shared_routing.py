"""A service's share of the runtime's load balancer: its target groups and its listener rules.

Under the ECS controller a service attached to a runtime (`sharedStack`, or
`BlueGreenServiceArgs.shared_runtime`) creates no load balancer and no listener: it adds two
target groups in the runtime's VPC and one rule on each of the runtime's listeners, matched by
its host headers and/or path patterns at its priority (`components.listener_rules`). ECS shifts
the weights of those rules, so a release of one service never touches another's.

The runtime's listener port and protocol are not stack outputs (the output names are a fixed
contract, docs/many-services.md), so they are read from AWS with the `aws.lb.getListener` data
source by the listeners' ARNs: at preview for a runtime stack's literal ARNs, once the listeners
exist for a runtime built in the same program. The runtime's own settings thus stay the one
source of truth: nothing has to repeat its `testListenerPort` or its certificate in each service.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs
from components.listener_rules import (
    ListenerRules,
    concrete_host,
    concrete_path_prefix,
    create_listener_rules,
    route_conditions,
    rule_priority,
)
from components.load_balancer import _target_group
from components.runtime_ref import SharedRuntimeRef


@dataclass
class SharedRouting:
    blue: aws.lb.TargetGroup
    green: aws.lb.TargetGroup
    rules: ListenerRules
    priority: int
    """Of both rules (production and test listener)."""
    test_listener_port: pulumi.Output[int]
    """The runtime's test listener port, which the test gate requests."""
    gate_host: str | None
    """The `Host` header the test gate sends so the test listener picks this service's rule;
    None when the service is routed by path only."""
    url: pulumi.Output[str]
    test_url: pulumi.Output[str]


def create_shared_routing(
    name: str,
    args: BlueGreenServiceArgs,
    runtime: SharedRuntimeRef,
    *,
    vpc_id: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> SharedRouting:
    blue = _target_group(f"{name}-blue", args, vpc_id, tags, parent)
    green = _target_group(f"{name}-green", args, vpc_id, tags, parent)
    priority = rule_priority(name, args.listener_rule_priority)
    rules = create_listener_rules(
        name,
        production_listener_arn=runtime.production_listener_arn,
        test_listener_arn=runtime.test_listener_arn,
        blue_target_group_arn=blue.arn,
        green_target_group_arn=green.arn,
        conditions=route_conditions(args.host_headers, args.path_patterns),
        priority=priority,
        tags=tags,
        parent=parent,
    )
    invoke = pulumi.InvokeOutputOptions(parent=parent)
    production = aws.lb.get_listener_output(arn=runtime.production_listener_arn, opts=invoke)
    test = aws.lb.get_listener_output(arn=runtime.test_listener_arn, opts=invoke)
    host = concrete_host(args.host_headers[0]) if args.host_headers else None
    path = concrete_path_prefix(args.path_patterns[0]) if args.path_patterns else ""
    dns_name = pulumi.Output.from_input(runtime.load_balancer_dns_name)
    url = pulumi.Output.all(production.protocol, dns_name).apply(
        lambda v: f"{'https' if v[0] == 'HTTPS' else 'http'}://{host or v[1]}{path}"
    )
    test_url = pulumi.Output.all(test.port, dns_name).apply(
        lambda v: f"http://{host or v[1]}:{v[0]}{path}"
    )
    return SharedRouting(blue, green, rules, priority, test.port, host, url, test_url)
