"""Stack rule: no world-open ingress on the port of a test listener (CodeDeploy or ECS).

During a blue/green deployment the test listener serves the new (green) version before it has
been approved; it is meant for the team's tests, not for the internet.

ECS-native blue/green services name a test listener *rule*
(`loadBalancers[].advancedConfiguration.testListenerRule`); the rule found by its ARN output
leads to its listener. A service attached to a shared runtime has its rules in its own stack
and the listener in the runtime's: the listener is then not in the stack and nothing is judged
here (the runtime stack's security groups are judged where they live).

Finding the test listener: a deployment group's `testTrafficRoute.listenerArns` names it. When
those ARNs are known, listeners are matched by ARN (`arn` / `listenerArn`). While they are
unknown (preview of new resources), the candidates are the listeners the group's
`loadBalancerInfo` was computed from (its property dependencies), minus the listeners known to
be production listeners. The test listener is one of the candidates, so the rule reports only
when every candidate is world-open; if one candidate is not, nothing is reported.

Finding world-open ingress: listener -> its load balancer (`loadBalancerArn`) -> the load
balancer's `securityGroups` -> their inline ingress (`ingress` / `securityGroupIngress`) and the
standalone ingress resources attached to them (`aws:ec2/securityGroupRule`,
`aws:vpc/securityGroupIngressRule`, `aws-native:ec2:SecurityGroupIngress`). Each hop uses the
property dependencies and, for literal IDs, known ID/ARN outputs. A rule is world-open when a
source CIDR is in `worldOpenCidrs` and its TCP port range (or protocol -1) covers the listener
port. Load balancers without security groups (NLBs) are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from ecs_blue_green_policies import deployment_group
from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import (
    Config,
    Finding,
    NotApplicable,
    RuleInfo,
    Setting,
    Stack,
    StackRule,
)
from ecs_blue_green_policies.values import UNKNOWN, get, number

LISTENER_ARN = ("arn", "listenerArn")
LOAD_BALANCER_ARN = ("arn", "loadBalancerArn")
SECURITY_GROUP_ID = ("id", "groupId")
ALL_PROTOCOLS = ("-1", "all")
TCP_PROTOCOLS = ("tcp", "6")

WORLD_OPEN_CIDRS = Setting(
    "worldOpenCidrs",
    "array",
    ["0.0.0.0/0", "::/0"],
    "Source CIDRs that count as the whole internet.",
    items="string",
)


@dataclass(frozen=True)
class Ingress:
    """One ingress permission, whichever resource shape it came from."""

    label: str
    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple[Any, ...]

    def opens(self, port: float, world: list[str]) -> bool:
        if not any(c in world for c in self.cidrs):
            return False
        protocol = str(self.protocol).lower()
        if protocol in ALL_PROTOCOLS:
            return True
        low, high = number(self.from_port), number(self.to_port)
        if protocol not in TCP_PROTOCOLS or not isinstance(low, float):
            return False
        return isinstance(high, float) and low <= port <= high


def _inline(stack: Stack, group: PolicyResource) -> Iterator[Ingress]:
    view = stack.view(group)
    if group.resource_type == types.SECURITY_GROUP_NATIVE:
        for i, rule in enumerate(view.props.get("securityGroupIngress") or []):
            yield Ingress(
                f"{view.name}.securityGroupIngress[{i}]",
                get(rule, "ipProtocol"),
                get(rule, "fromPort"),
                get(rule, "toPort"),
                (get(rule, "cidrIp"), get(rule, "cidrIpv6")),
            )
        return
    for i, rule in enumerate(view.props.get("ingress") or []):
        yield Ingress(
            f"{view.name}.ingress[{i}]",
            get(rule, "protocol"),
            get(rule, "fromPort"),
            get(rule, "toPort"),
            (*(get(rule, "cidrBlocks") or []), *(get(rule, "ipv6CidrBlocks") or [])),
        )


def _standalone(stack: Stack) -> dict[str, list[Ingress]]:
    """Standalone ingress resources by the URN of the security group they attach to."""
    attached: dict[str, list[Ingress]] = {}
    for rule in stack.of_type(types.SECURITY_GROUP_INGRESS):
        props = stack.view(rule).props
        if rule.resource_type == types.SECURITY_GROUP_RULE_AWS:
            if props.get("type") != "ingress":
                continue
            key, protocol = "securityGroupId", props.get("protocol")
            cidrs = (*(props.get("cidrBlocks") or []), *(props.get("ipv6CidrBlocks") or []))
        elif rule.resource_type == types.SECURITY_GROUP_INGRESS_RULE_AWS:
            key, protocol = "securityGroupId", props.get("ipProtocol")
            cidrs = (props.get("cidrIpv4"), props.get("cidrIpv6"))
        else:
            key, protocol = "groupId", props.get("ipProtocol")
            cidrs = (props.get("cidrIp"), props.get("cidrIpv6"))
        ingress = Ingress(rule.name, protocol, props.get("fromPort"), props.get("toPort"), cidrs)
        for group in stack.references(rule, key, types.SECURITY_GROUP, SECURITY_GROUP_ID):
            attached.setdefault(group.urn, []).append(ingress)
    return attached


def _exposure(
    stack: Stack, listener: PolicyResource, standalone: dict[str, list[Ingress]], world: list[str]
) -> str | None:
    """How the listener's port is open to the world, or None if the stack shows no such rule."""
    port = number(stack.view(listener).props.get("port"))
    if not isinstance(port, float):
        return None
    for balancer in stack.references(
        listener, "loadBalancerArn", types.LOAD_BALANCER, LOAD_BALANCER_ARN
    ):
        for group in stack.references(
            balancer, "securityGroups", types.SECURITY_GROUP, SECURITY_GROUP_ID
        ):
            for ingress in (*_inline(stack, group), *standalone.get(group.urn, [])):
                if ingress.opens(port, world):
                    return f"port {port:g} is open to the internet by {ingress.label}"
    return None


def _listeners(stack: Stack, arns: Any) -> tuple[list[PolicyResource], bool]:
    """Listeners matched by known ARNs, and whether some ARN is unknown."""
    if arns is UNKNOWN:
        return [], True
    found: list[PolicyResource] = []
    unknown = False
    for arn in arns or []:
        if arn is UNKNOWN:
            unknown = True
        elif isinstance(arn, str):
            found.extend(stack.by_id(types.LISTENER, LISTENER_ARN, arn))
    return found, unknown


def _test_listeners(
    stack: Stack, group: PolicyResource
) -> Iterator[tuple[list[PolicyResource], bool]]:
    """(listeners, definite) per test route: definite lists hold test listeners only;
    otherwise the test listener is one of the listed candidates."""
    pairs = deployment_group.target_group_pairs(stack.view(group))
    for pair in pairs if pairs is not None else [UNKNOWN]:
        test, test_unknown = _listeners(stack, get(pair, "testTrafficRoute", "listenerArns"))
        if test:
            yield test, True
        if not test_unknown:
            continue
        production, _ = _listeners(stack, get(pair, "prodTrafficRoute", "listenerArns"))
        excluded = {r.urn for r in (*production, *test)}
        deps = stack.property_dependencies(group, "loadBalancerInfo", types.LISTENER) or []
        candidates = [d for d in deps if d.urn not in excluded]
        if candidates:
            yield candidates, len(candidates) == 1


def _ecs_test_listeners(stack: Stack) -> Iterator[tuple[PolicyResource, PolicyResource]]:
    """(service, test listener) for ECS services whose test rule and its listener are in the
    stack."""
    for service in stack.of_type(types.ECS_SERVICE):
        for entry in get(stack.view(service).props, "loadBalancers") or []:
            arn = get(entry, "advancedConfiguration", "testListenerRule")
            if not isinstance(arn, str) or not arn:
                continue
            for rule in stack.by_id(types.LISTENER_RULE, ("arn", "ruleArn"), arn):
                for listener in stack.references(rule, "listenerArn", types.LISTENER, LISTENER_ARN):
                    yield service, listener


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    world = config[WORLD_OPEN_CIDRS.name]
    groups = stack.of_type(types.DEPLOYMENT_GROUP)
    services = list(_ecs_test_listeners(stack))
    if not groups and not services:
        return
    standalone = _standalone(stack)
    for service, listener in services:
        exposure = _exposure(stack, listener, standalone, world)
        if exposure:
            yield Finding(
                stack.view(listener),
                f"test listener of ECS service {service.name}: {exposure}: remove that ingress or"
                " narrow it to the testers' CIDRs; the test listener serves the unreleased green"
                " version",
            )
    fix = (
        "remove that ingress or narrow it to the testers' CIDRs; the test listener serves the"
        " unapproved green version"
    )
    for group in groups:
        try:
            deployment_group.ecs_targets(stack.view(group))
        except NotApplicable:
            continue
        for listeners, definite in _test_listeners(stack, group):
            exposures = [_exposure(stack, listener, standalone, world) for listener in listeners]
            if definite:
                for listener, exposure in zip(listeners, exposures, strict=True):
                    if exposure:
                        yield Finding(
                            stack.view(listener),
                            f"test listener of deployment group {group.name}: {exposure}: {fix}",
                        )
            elif all(exposures):
                names = ", ".join(listener.name for listener in listeners)
                yield Finding(
                    stack.view(group),
                    f"its test listener is one of {names}, and every one of them is open to the"
                    f" internet ({'; '.join(e for e in exposures if e)}): {fix}",
                )


RULE = StackRule(
    RuleInfo(
        "test-listener-not-public",
        "A test listener's port (CodeDeploy, or an ECS service's test rule) should not be open"
        " to the internet.",
        EnforcementLevel.ADVISORY,
        "Drop world-open (0.0.0.0/0, ::/0) ingress on the test listener's port from the load"
        " balancer's security groups; allow only the testers' or the VPC's CIDRs.",
        (WORLD_OPEN_CIDRS,),
        severity=Severity.MEDIUM,
    ),
    check,
)
