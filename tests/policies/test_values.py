"""values.plain: the copy every rule reads, taken straight from the SDK's proxies."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    unknown_checking_proxy,
)

from ecs_blue_green_policies import values
from ecs_blue_green_policies.values import UNKNOWN, plain

ENGINE_PROPS: dict[str, Any] = {
    "name": "web",
    "desiredCount": 2.0,
    "enableExecuteCommand": False,
    "arn": UNKNOWN_STRING_VALUE,
    "propagateTags": None,
    "deploymentController": {"type": "CODE_DEPLOY", "extra": UNKNOWN_OBJECT_VALUE},
    "loadBalancers": [
        {"containerPort": UNKNOWN_NUMBER_VALUE, "targetGroupArn": "arn:tg", "tags": []},
        UNKNOWN_OBJECT_VALUE,
    ],
    "capacityProviderStrategies": UNKNOWN_ARRAY_VALUE,
    "nested": [[UNKNOWN_BOOLEAN_VALUE, 1.0], []],
}
PLAIN: dict[str, Any] = {
    "name": "web",
    "desiredCount": 2.0,
    "enableExecuteCommand": False,
    "arn": UNKNOWN,
    "propagateTags": None,
    "deploymentController": {"type": "CODE_DEPLOY", "extra": UNKNOWN},
    "loadBalancers": [
        {"containerPort": UNKNOWN, "targetGroupArn": "arn:tg", "tags": []},
        UNKNOWN,
    ],
    "capacityProviderStrategies": UNKNOWN,
    "nested": [[UNKNOWN, 1.0], []],
}


def sdk_proxy(props: dict[str, Any]) -> Any:
    """What a rule receives as `args.props`: built exactly as the SDK's Analyze builds it."""
    return unknown_checking_proxy(deserialize_properties(props))


def test_plain_copies_the_proxy_with_unknown_at_every_depth() -> None:
    assert plain(sdk_proxy(ENGINE_PROPS)) == PLAIN


def test_sdk_proxies_are_copied_without_reading_item_by_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reading through the proxy was the largest part of what the rules add to a preview
    (docs/policies.md); the slow path is only for other mappings and sequences."""

    def slow(value: Any) -> Any:
        raise AssertionError(f"read item by item: {type(value).__name__}")

    monkeypatch.setattr(values, "_plain_through_proxy", slow)
    assert plain(sdk_proxy(ENGINE_PROPS)) == PLAIN


def test_other_mappings_are_read_item_by_item_like_the_proxy() -> None:
    """The slow path agrees with the fast one: an unknown item becomes UNKNOWN."""
    proxy = sdk_proxy(ENGINE_PROPS)
    assert values._plain_through_proxy(proxy) == PLAIN
    assert plain((1.0, "x")) == [1.0, "x"]
