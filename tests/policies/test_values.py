"""values.plain and values.Props: the copy every rule reads, taken straight from the SDK's
proxies, one top-level property at a time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
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
from ecs_blue_green_policies.values import UNKNOWN, Props, get, plain

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


class Untouchable(Mapping[str, Any]):
    """A property whose copy fails the test: no rule read it."""

    def __getitem__(self, key: str) -> Any:
        raise AssertionError("copied a property that was not read")

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("copied a property that was not read")

    def __len__(self) -> int:
        return 1


def test_props_read_as_plain_does() -> None:
    props = Props(sdk_proxy(ENGINE_PROPS))
    # get first: the comparisons below read (and keep) every property through __getitem__.
    assert props.get("arn") is UNKNOWN
    assert props.get("deploymentController") == PLAIN["deploymentController"]
    assert props == PLAIN
    assert dict(props) == PLAIN
    assert props["capacityProviderStrategies"] is UNKNOWN
    assert get(props, "deploymentController", "type") == "CODE_DEPLOY"
    assert get(props, "loadBalancers", 0, "containerPort") is UNKNOWN
    assert props.get("absent") is None
    assert props.get("absent", []) == []
    assert "name" in props
    assert "absent" not in props
    assert len(props) == len(PLAIN)
    with pytest.raises(KeyError):
        props["absent"]


def test_props_copy_only_what_is_read_and_once() -> None:
    props = Props({"read": {"a": [1.0]}, "unread": Untouchable()})
    assert props.get("read") == {"a": [1.0]}
    assert props["read"] is props.get("read")
    assert "unread" in props
    assert len(props) == 2
    with pytest.raises(AssertionError, match="not read"):
        props["unread"]


def test_props_of_other_mappings_are_read_item_by_item() -> None:
    assert Props(MappingProxyType({"port": 80.0, "arn": UNKNOWN_STRING_VALUE})) == {
        "port": 80.0,
        "arn": UNKNOWN,
    }
