"""Stack rule: an ECS-native blue/green service's production and test rules can release it.

`ecs-service-blue-green` checks that a service names a production rule, a test rule and an
alternate target group; this rule checks how they relate, for the rules the stack holds:

- the test rule is not the production rule, and does not sit on the production listener: ECS
  points the test rule at green before any approval, so on the production listener users would
  get the unreleased version;
- the two rules forward to the service's two target groups (ECS: both on the production rule,
  or one on it and one on the test rule), and the production rule to at least one of them.

Services attached to a shared runtime keep their rules in their own stack while the listeners
live in the runtime's stack: a rule's listener is then only a literal ARN (`listenerArn`), which
is compared as such. A rule is found by its ARN output (`arn`, aws-native `ruleArn`); while ARNs
are unknown (preview of new resources) or a rule is not in the stack, nothing is judged, so an
attached service is never reported for what another stack holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import Config, Finding, RuleInfo, Stack, StackRule
from ecs_blue_green_policies.values import UNKNOWN, get

RULE_ARN = ("arn", "ruleArn")
LISTENER_ARN = ("arn", "listenerArn")


def _rule(stack: Stack, arn: Any) -> PolicyResource | None:
    if not isinstance(arn, str) or not arn:
        return None
    found = stack.by_id(types.LISTENER_RULE, RULE_ARN, arn)
    return found[0] if len(found) == 1 else None


def _listener(stack: Stack, rule: PolicyResource) -> str | None:
    """The rule's listener as its ARN (a literal, or the output of a listener in the stack), or
    its URN while that ARN is unknown; None when undecided."""
    listeners = stack.references(rule, "listenerArn", types.LISTENER, LISTENER_ARN)
    if len(listeners) == 1:
        arn = stack.view(listeners[0]).props.get("arn")
        return arn if isinstance(arn, str) else listeners[0].urn
    value = stack.view(rule).props.get("listenerArn")
    return value if isinstance(value, str) and not listeners else None


def _forwarded(props: Mapping[str, Any]) -> set[str] | None:
    """Target group ARNs the rule's actions forward to (aws and aws-native shapes); None when
    any is unknown."""
    actions = props.get("actions")
    if actions is UNKNOWN or not isinstance(actions, list):
        return None
    found: set[str] = set()
    for action in actions:
        forward = get(action, "forward") or get(action, "forwardConfig")
        groups = get(forward, "targetGroups")
        arns = [get(action, "targetGroupArn")]
        if isinstance(groups, list):
            arns += [get(g, "arn") or get(g, "targetGroupArn") for g in groups]
        elif groups is UNKNOWN:
            return None
        for arn in arns:
            if arn is UNKNOWN:
                return None
            if isinstance(arn, str):
                found.add(arn)
    return found


def _check_entry(stack: Stack, entry: Any) -> Iterator[str]:
    advanced = get(entry, "advancedConfiguration")
    base = "advancedConfiguration"
    production_arn, test_arn = (
        get(advanced, "productionListenerRule"),
        get(advanced, "testListenerRule"),
    )
    if isinstance(test_arn, str) and test_arn and test_arn == production_arn:
        yield (
            f"`{base}.testListenerRule` is the production rule: ECS points the test rule at the"
            " unreleased green, so give the test listener a rule of its own"
        )
        return
    production, test = _rule(stack, production_arn), _rule(stack, test_arn)
    if production is None or test is None:
        return
    listener = _listener(stack, production)
    if listener is not None and listener == _listener(stack, test):
        yield (
            f"test rule {test.name} is on the production listener ({listener}): ECS points it at"
            " the unreleased green, which users would then reach; put it on the test listener"
        )
    groups = {get(entry, "targetGroupArn"), get(advanced, "alternateTargetGroupArn")}
    on_production = _forwarded(stack.view(production).props)
    on_test = _forwarded(stack.view(test).props)
    if on_production is None or on_test is None or not all(isinstance(g, str) for g in groups):
        return
    if not groups & on_production:
        yield (
            f"production rule {production.name} forwards to none of the service's target groups"
            f" ({', '.join(sorted(groups))}): ECS cannot shift its traffic"
        )
    missing = sorted(groups - on_production - on_test)
    if missing:
        yield (
            f"target group(s) {', '.join(missing)} are on neither {production.name} nor"
            f" {test.name}: ECS needs both of the service's groups on the production rule, or"
            " one on it and one on the test rule"
        )


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    for service in stack.of_type(types.ECS_SERVICE):
        view = stack.view(service)
        entries = get(view.props, "loadBalancers")
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            for message in _check_entry(stack, entry):
                yield Finding(view, f"loadBalancers[{index}]: {message}")


RULE = StackRule(
    RuleInfo(
        "ecs-service-listener-rules",
        "An ECS blue/green service's test rule is its own, on another listener than the"
        " production rule, and the two rules forward to the service's two target groups.",
        EnforcementLevel.MANDATORY,
        "Give the service a production rule on the production listener and a test rule on the"
        " test listener, forwarding to its `targetGroupArn` and `alternateTargetGroupArn`"
        " (components/listener_rules.py builds them).",
        severity=Severity.HIGH,
    ),
    check,
)
