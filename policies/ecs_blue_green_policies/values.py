"""Reading engine property values that may be unknown during preview.

The SDK hands rules read-only proxies that raise ``UnknownValueError`` when an unknown value is
touched, and turns that exception into an advisory "can't run policy" note. Rules here instead
read through :func:`plain`, which copies the proxy into ordinary dicts and lists with the
:data:`UNKNOWN` marker in place of each unknown value, so a rule can check every property it
can see and stay silent only about the ones it cannot. A resource's properties reach a rule as
:class:`Props`, which copies each top-level property only when the rule first reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from enum import Enum
from typing import Any, Final

from pulumi_policy import proxy
from pulumi_policy.proxy import UnknownValueError, _DictProxy, _ListProxy


class _Unknown(Enum):
    """Type of :data:`UNKNOWN`; an enum so that ``x is UNKNOWN`` narrows types."""

    UNKNOWN = "unknown"

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown.UNKNOWN
"""A value the engine cannot know yet (preview of a value computed from another resource)."""


def plain(value: Any) -> Any:
    """Copy an SDK proxy (or plain data) into dicts/lists with UNKNOWN for unknown values."""
    kind = type(value)
    # Most values are leaves: test for them first.
    if kind is str:
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if kind in _SCALARS:
        return value
    if kind is _DictProxy or kind is _ListProxy:
        # Reading item by item through the proxy was the largest part of what the rules add to
        # a preview (docs/policies.md). The SDK's own serialize_properties unwraps a proxy
        # through this key, and the sentinels below are exactly the values the proxy raises on.
        value = value["__target"]
        kind = type(value)
    if kind is dict:
        return {key: plain(item) for key, item in value.items()}
    if kind is list:
        return [plain(item) for item in value]
    if isinstance(value, _CONTAINERS):
        return _plain_through_proxy(value)
    return value


_UNKNOWN_SENTINELS: Final = frozenset(
    {
        proxy.UNKNOWN_BOOLEAN_VALUE,
        proxy.UNKNOWN_NUMBER_VALUE,
        proxy.UNKNOWN_STRING_VALUE,
        proxy.UNKNOWN_ARRAY_VALUE,
        proxy.UNKNOWN_ASSET_VALUE,
        proxy.UNKNOWN_ARCHIVE_VALUE,
        proxy.UNKNOWN_OBJECT_VALUE,
    }
)
_SCALARS: Final = frozenset({float, int, bool, type(None)})
_CONTAINERS: Final = (Mapping, Sequence)


def _plain_through_proxy(value: Mapping[Any, Any] | Sequence[Any]) -> Any:
    """Any other mapping or sequence, read item by item: an unknown item raises."""
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[key] = plain(value[key])
            except UnknownValueError:
                result[key] = UNKNOWN
        return result
    items: list[Any] = []
    for index in range(len(value)):
        try:
            items.append(plain(value[index]))
        except UnknownValueError:
            items.append(UNKNOWN)
    return items


class Props(Mapping[str, Any]):
    """A resource's properties as :func:`plain` data, each top-level property copied when it is
    first read. A rule reads a few properties of a resource, and copying all of them was the
    largest part of what the rules added to a preview (docs/policies.md). Read-only, and made
    per rule: nothing of one call's SDK data outlives the rule that reads it."""

    __slots__ = ("_read", "_target")

    def __init__(self, properties: Mapping[str, Any]) -> None:
        target = properties["__target"] if type(properties) is _DictProxy else properties
        self._target: dict[str, Any] = (
            target if type(target) is dict else _plain_through_proxy(properties)
        )
        self._read: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        read = self._read
        if key not in read:
            read[key] = plain(self._target[key])
        return read[key]

    def get(self, key: str, default: Any = None) -> Any:
        # Rules read through get; Mapping's own get raises and catches a KeyError per absent key.
        read = self._read
        if key in read:
            return read[key]
        if key not in self._target:
            return default
        value = read[key] = plain(self._target[key])
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._target

    def __iter__(self) -> Iterator[str]:
        return iter(self._target)

    def __len__(self) -> int:
        return len(self._target)

    def __repr__(self) -> str:
        return f"Props({dict(self)!r})"


def get(value: Any, *path: str | int) -> Any:
    """Walk ``path`` through dicts and lists: None where absent, UNKNOWN where unknown."""
    for key in path:
        if value is UNKNOWN or value is None:
            return value
        if isinstance(key, int):
            if not isinstance(value, list) or not -len(value) <= key < len(value):
                return None
            value = value[key]
        else:
            if not isinstance(value, _MAPPINGS):
                return None
            value = value.get(key)
    return value


_MAPPINGS: Final = (dict, Props)


def number(value: Any) -> float | _Unknown | None:
    """A numeric property as float. Engines send ints as floats and some pulumi-aws numbers
    (``deregistrationDelay``, ``bakeTimeInMinutes``) as strings, so accept all three."""
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def truthy(value: Any) -> bool | _Unknown | None:
    """A boolean property; the strings "true"/"false" count (aws-native attribute values)."""
    if value is UNKNOWN or value is None:
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def lacks(values: Any, item: Any) -> bool:
    """True only when the list ``values`` is known to miss ``item`` (absent counts as empty;
    an unknown list or element might be ``item``)."""
    if values is None:
        return True
    if values is UNKNOWN or not isinstance(values, list):
        return values is not UNKNOWN
    return item not in values and not any(v is UNKNOWN for v in values)


class JsonError(ValueError):
    """Raised by :func:`json_list` when a JSON-string property does not hold a list."""


def json_list(value: Any) -> list[Any] | _Unknown | None:
    """A list that pulumi-aws sends as one JSON string (``containerDefinitions``) and
    aws-native as a real list."""
    if value is UNKNOWN or value is None or isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise JsonError(f"expected a JSON list, got {type(value).__name__}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise JsonError(f"not valid JSON ({error.msg} at position {error.pos})") from error
    if not isinstance(parsed, list):
        raise JsonError(f"expected a JSON list, got {type(parsed).__name__}")
    return parsed


def tag_value(props: Mapping[str, Any], key: str) -> str | _Unknown | None:
    """The value of tag ``key``: aws sends a map (``tags``, and ``tagsAll`` with provider
    default tags), aws-native a list of ``{key, value}``."""
    for field in ("tags", "tagsAll"):
        tags = props.get(field)
        if tags is UNKNOWN:
            return UNKNOWN
        if isinstance(tags, dict) and key in tags:
            return tags[key]
        if isinstance(tags, list):
            for entry in tags:
                if entry is UNKNOWN or get(entry, "key") is UNKNOWN:
                    return UNKNOWN
                if get(entry, "key") == key:
                    return get(entry, "value")
    return None
