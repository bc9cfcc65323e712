"""`listener-rule-priority-unique`: two services' rules at one priority on one listener."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.analyzer import UNKNOWN, PackClient, StackResource
from tests.policies.fixtures import PROD_LISTENER_ARN, TEST_LISTENER_ARN

RULE_ID = "listener-rule-priority-unique"
LISTENER = "aws:lb/listener:Listener"


def _listener(name: str, arn: Any) -> StackResource:
    return StackResource(LISTENER, name, {"arn": arn, "port": 80, "protocol": "HTTP"})


def _rule(
    name: str, priority: Any, listener: StackResource, *, literal: bool = False, **props: Any
) -> StackResource:
    """A rule on `listener`: its ARN from the listener's outputs, or written as a literal."""
    return StackResource(
        props.pop("type", "aws:lb/listenerRule:ListenerRule"),
        name,
        {"listenerArn": listener.props["arn"], "priority": priority, **props},
        property_dependencies={} if literal else {"listenerArn": [listener.urn]},
    )


PROD = _listener("runtime-http", PROD_LISTENER_ARN)
TEST = _listener("runtime-test", TEST_LISTENER_ARN)


def test_distinct_priorities_and_listeners_pass(pack: PackClient) -> None:
    stack = [
        PROD,
        TEST,
        _rule("orders-prod", 100, PROD),
        _rule("billing-prod", 200, PROD),
        # The same priority on another listener is another slot.
        _rule("orders-test", 100, TEST),
    ]
    assert pack.analyze_stack(stack).of(RULE_ID) == []


def test_same_priority_on_one_listener_is_reported_on_both_rules(pack: PackClient) -> None:
    orders, billing = _rule("orders-prod", 100, PROD), _rule("billing-prod", 100.0, PROD)
    found = pack.analyze_stack([PROD, orders, billing]).of(RULE_ID)
    assert sorted(d.urn for d in found) == sorted([orders.urn, billing.urn])
    assert all(d.level == "mandatory" for d in found)
    [on_orders] = [d for d in found if d.urn == orders.urn]
    assert "orders-prod (aws:lb/listenerRule:ListenerRule): priority 100 is also used by" in (
        on_orders.message
    )
    assert "billing-prod" in on_orders.message


@pytest.mark.parametrize(
    "second",
    [
        # While ARNs are unknown (preview), the dependency on the listener decides ...
        {"listener_arn": UNKNOWN, "literal": False},
        # ... a literal ARN matches the listener with that ARN ...
        {"listener_arn": PROD_LISTENER_ARN, "literal": True},
        # ... and the aws:alb alias and aws-native rules count alike.
        {"type": "aws:alb/listenerRule:ListenerRule"},
        {"type": "aws-native:elasticloadbalancingv2:ListenerRule"},
    ],
)
def test_clash_is_found_across_shapes(pack: PackClient, second: dict[str, Any]) -> None:
    listener = _listener("runtime-http", second.pop("listener_arn", PROD_LISTENER_ARN))
    first = _rule("orders-prod", 7, listener)
    other = _rule("billing-prod", 7, listener, **second)
    assert len(pack.analyze_stack([listener, first, other]).of(RULE_ID)) == 2


@pytest.mark.parametrize("priority", [UNKNOWN, None])
def test_unknown_or_unset_priority_is_not_judged(pack: PackClient, priority: Any) -> None:
    stack = [PROD, _rule("orders-prod", 7, PROD), _rule("billing-prod", priority, PROD)]
    assert pack.analyze_stack(stack).of(RULE_ID) == []


def test_rules_on_a_listener_of_another_stack_are_matched_by_arn(pack: PackClient) -> None:
    """Two services of one stack attached to a runtime stack: the listener is not in the stack,
    its ARN (a stack reference output) is known."""
    stack = [
        _rule("orders-prod", 9, PROD, literal=True),
        _rule("billing-prod", 9, PROD, literal=True),
    ]
    assert len(pack.analyze_stack(stack).of(RULE_ID)) == 2
    stack[1].props["listenerArn"] = TEST_LISTENER_ARN
    assert pack.analyze_stack(stack).of(RULE_ID) == []
