"""Stack rule: no two listener rules of the stack share a priority on one listener.

Services on a shared load balancer each add rules to its listeners; the ALB evaluates them by
priority and refuses a second rule at a taken priority (`PriorityInUse`) when the stack is
deployed. In a stack that builds several services (a monorepo), the clash is visible at preview:
this rule reports it there. Clashes across stacks are left to AWS's refusal (docs/many-services.md).

The listener of a rule: the listener its `listenerArn` was computed from (property
dependencies, exact while ARNs are unknown) or whose `arn` output equals a literal ARN; failing
both, the literal ARN itself. A rule whose listener or priority is unknown, or that sets no
priority (AWS then picks the next free one), is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import Config, Finding, RuleInfo, Stack, StackRule
from ecs_blue_green_policies.values import number


def _listener(stack: Stack, rule: PolicyResource) -> str | None:
    listeners = stack.references(rule, "listenerArn", types.LISTENER, ("arn", "listenerArn"))
    if len(listeners) == 1:
        return listeners[0].urn
    value = stack.view(rule).props.get("listenerArn")
    return value if isinstance(value, str) and not listeners else None


def check(stack: Stack, config: Config) -> Iterator[Finding]:
    by_slot: dict[tuple[str, float], list[PolicyResource]] = {}
    for rule in stack.of_type(types.LISTENER_RULE):
        priority = number(stack.view(rule).props.get("priority"))
        listener = _listener(stack, rule)
        if isinstance(priority, float) and listener is not None:
            by_slot.setdefault((listener, priority), []).append(rule)
    for (_, priority), rules in by_slot.items():
        if len(rules) < 2:
            continue
        for rule in rules:
            others = ", ".join(r.name for r in rules if r is not rule)
            yield Finding(
                stack.view(rule),
                f"priority {priority:g} is also used by {others} on the same listener; the ALB"
                " refuses the second rule (PriorityInUse): give each rule its own priority",
            )


RULE = StackRule(
    RuleInfo(
        "listener-rule-priority-unique",
        "Listener rules on one listener have distinct priorities.",
        EnforcementLevel.MANDATORY,
        "Give each service its own `listenerRulePriority` (1-50000); rules with overlapping"
        " conditions need the more specific one first (lower number).",
        severity=Severity.MEDIUM,
    ),
    check,
)
