"""`ecs-service-listener-rules`, and `test-listener-not-public` for ECS test rules: an ECS
service's production and test rules, with the listeners in the stack or (a service attached to
a shared runtime) only as literal ARNs of another stack's listeners."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.analyzer import UNKNOWN, PackClient, StackResource
from tests.policies.fixtures import (
    AWS_SERVICE_ECS_BLUE_GREEN,
    BLUE_TG_ARN,
    GREEN_TG_ARN,
    PROD_LISTENER_ARN,
    PROD_RULE_ARN,
    TEST_LISTENER_ARN,
    TEST_RULE_ARN,
)

RULE_ID = "ecs-service-listener-rules"
TEST_LISTENER = "test-listener-not-public"
RULE = "aws:lb/listenerRule:ListenerRule"
SERVICE = "aws:ecs/service:Service"
OTHER_TG_ARN = BLUE_TG_ARN.replace("web-blue", "other")


def _rule(name: str, arn: Any, listener: Any, first: str, second: str) -> StackResource:
    """A rule with a literal listener ARN (the listener lives in the runtime's stack)."""
    forward = {"targetGroups": [{"arn": first, "weight": 100}, {"arn": second, "weight": 0}]}
    return StackResource(
        RULE,
        name,
        {
            "arn": arn,
            "listenerArn": listener,
            "priority": 12345,
            "actions": [{"type": "forward", "forward": forward}],
        },
    )


def _attached(**changes: Any) -> list[StackResource]:
    """An attached service's stack: its service and its two rules, no listener."""
    production = _rule(
        "web-production-rule", PROD_RULE_ARN, PROD_LISTENER_ARN, BLUE_TG_ARN, GREEN_TG_ARN
    )
    test = _rule("web-test-rule", TEST_RULE_ARN, TEST_LISTENER_ARN, GREEN_TG_ARN, BLUE_TG_ARN)
    for key, value in changes.items():
        rule, prop = key.split("__")
        (production if rule == "production" else test).props[prop] = value
    service = StackResource(SERVICE, "web", AWS_SERVICE_ECS_BLUE_GREEN.props())
    return [service, production, test]


def test_attached_service_with_its_own_rules_passes(pack: PackClient) -> None:
    found = pack.analyze_stack(_attached()).diagnostics
    assert [d for d in found if d.policy in (RULE_ID, TEST_LISTENER)] == []


@pytest.mark.parametrize(
    "changes",
    [
        # Preview of new resources: ARNs and actions unknown; nothing is judged.
        {"test__arn": UNKNOWN, "production__arn": UNKNOWN},
        {"test__listenerArn": UNKNOWN},
        {"test__actions": UNKNOWN},
    ],
)
def test_unknowns_are_not_judged(pack: PackClient, changes: dict[str, Any]) -> None:
    assert pack.analyze_stack(_attached(**changes)).of(RULE_ID) == []


def _one(pack: PackClient, stack: list[StackResource]) -> str:
    [found] = pack.analyze_stack(stack).of(RULE_ID)
    assert found.level == "mandatory"
    assert found.urn == stack[0].urn
    return found.message


def test_test_rule_on_the_production_listener_is_reported(pack: PackClient) -> None:
    message = _one(pack, _attached(test__listenerArn=PROD_LISTENER_ARN))
    assert "test rule web-test-rule is on the production listener" in message


def test_test_rule_that_is_the_production_rule_is_reported(pack: PackClient) -> None:
    stack = _attached()
    advanced = stack[0].props["loadBalancers"][0]["advancedConfiguration"]
    advanced["testListenerRule"] = PROD_RULE_ARN
    assert "`advancedConfiguration.testListenerRule` is the production rule" in _one(pack, stack)


def _forward(arn: str) -> list[dict[str, Any]]:
    return [{"type": "forward", "forward": {"targetGroups": [{"arn": arn, "weight": 100}]}}]


def test_a_target_group_on_neither_rule_is_reported(pack: PackClient) -> None:
    # Blue alone on production is fine when green is on the test rule; here it is not.
    stack = _attached(
        production__actions=_forward(BLUE_TG_ARN), test__actions=_forward(OTHER_TG_ARN)
    )
    assert f"target group(s) {GREEN_TG_ARN} are on neither" in _one(pack, stack)


def test_production_rule_to_none_of_the_service_groups_is_reported(pack: PackClient) -> None:
    message = _one(pack, _attached(production__actions=_forward(OTHER_TG_ARN)))
    assert "production rule web-production-rule forwards to none of the service's" in message


def test_missing_test_rule_is_still_caught(pack: PackClient) -> None:
    stack = _attached()
    del stack[0].props["loadBalancers"][0]["advancedConfiguration"]["testListenerRule"]
    found = (
        pack.analyze_stack(stack[1:]).diagnostics
        + pack.analyze(SERVICE, stack[0].props, "web").diagnostics
    )
    assert [d.policy for d in found if d.level == "mandatory"] == ["ecs-service-blue-green"]


def test_world_open_listener_of_an_ecs_test_rule_is_reported(pack: PackClient) -> None:
    """With the listener in the stack, its security group decides."""
    sg = StackResource("aws:ec2/securityGroup:SecurityGroup", "alb-sg", {"id": "sg-alb"})
    alb = StackResource(
        "aws:lb/loadBalancer:LoadBalancer",
        "alb",
        {"arn": "arn:alb", "securityGroups": ["sg-alb"]},
    )
    listener = StackResource(
        "aws:lb/listener:Listener",
        "test",
        {"arn": TEST_LISTENER_ARN, "port": 8080, "loadBalancerArn": "arn:alb"},
    )
    world = StackResource(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "alb-in-test",
        {
            "securityGroupId": "sg-alb",
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "cidrIpv4": "0.0.0.0/0",
        },
    )
    [found] = pack.analyze_stack([*_attached(), sg, alb, listener, world]).of(TEST_LISTENER)
    assert found.urn == listener.urn
    assert "test listener of ECS service web: port 8080 is open to the internet" in found.message
