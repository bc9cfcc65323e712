"""From a Construct request's inputs to the Python settings classes, with their defaults.

The engine sends camelCase names, numbers as floats and only what the program set; an absent
input takes the dataclass default, so `components/args.py` stays the one place defaults live.
Values a program takes from its other resources (`schema.OUTPUT_INPUTS`) may be unknown at
preview: they stay `pulumi.Output`s, and the settings check leaves them to the `up`, where the
engine constructs the component again with known values. Any other setting must be known, as it
decides which resources exist.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pulumi
from pulumi.errors import InputPropertyError

from components.runtime_ref import OUTPUT_FIELDS, SharedRuntimeRef
from package.schema import OBJECTS, OUTPUT_INPUTS, camel, required_fields, unwrap_optional

T = TypeVar("T")


def settings(cls: type[T], inputs: Mapping[str, Any], path: str = "") -> T:
    """An instance of the settings dataclass `cls` from schema-named `inputs`."""
    hints = typing.get_type_hints(cls)
    fields = {camel(field.name): field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(inputs) - set(fields))
    if unknown:
        raise InputPropertyError(
            f"{path}{unknown[0]}",
            f"{path}{unknown[0]}: not a setting of {cls.__name__}; allowed: {', '.join(fields)}",
        )
    # A schema `required` the SDKs check too, but a hand-written request (YAML) may still omit it.
    missing = [key for key in required_fields(cls) if inputs.get(key) is None]
    if missing:
        raise InputPropertyError(
            f"{path}{missing[0]}",
            f"{path}{missing[0]}: required; {cls.__name__} needs {', '.join(required_fields(cls))}",
        )
    values: dict[str, Any] = {}
    for key, field in fields.items():
        value = inputs.get(key)
        if value is None:
            continue
        setting = f"{path}{key}"
        if isinstance(value, pulumi.Output):
            if field.name not in OUTPUT_INPUTS:
                raise InputPropertyError(
                    setting,
                    f"{setting}: must be known when the program runs (it decides which resources "
                    "exist); pass a plain value, not another resource's output",
                )
            values[field.name] = value
            continue
        values[field.name] = _convert(setting, hints[field.name], value)
    return cls(**values)


def _convert(setting: str, hint: Any, value: Any) -> Any:  # noqa: PLR0911 (one per type)
    hint, _ = unwrap_optional(hint)
    if hint is SharedRuntimeRef:
        return _shared_runtime(setting, value)
    if hint in OBJECTS:
        _expect(setting, value, dict, "an object")
        return settings(hint, value, f"{setting}.")
    if hint is int:
        # Numbers travel as floats (google.protobuf.Value); a fraction is a mistake.
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise InputPropertyError(setting, f"{setting}: {value!r} is not an integer")
        return int(value)
    if hint is bool:
        return _expect(setting, value, bool, "true or false")
    if hint is str or typing.get_origin(hint) is typing.Literal:
        return _expect(setting, value, str, "a string")
    if hint is Path:
        return Path(_expect(setting, value, str, "a path"))
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Sequence:
        _expect(setting, value, list, "a list")
        return tuple(
            _item(_element_path(setting, i, item), args[0], item) for i, item in enumerate(value)
        )
    if origin is Mapping:
        _expect(setting, value, dict, "a map of strings")
        return {k: _element(f"{setting}.{k}", item) for k, item in value.items()}
    raise TypeError(f"{setting}: no conversion for {hint!r}")


def _element_path(setting: str, index: int, item: Any) -> str:
    """Where an element of a list setting is: a named object by its name, `sidecars.otel`, as the
    settings checks of components/args.py (and so a Python stack) name it; anything else (or an
    object without a name) by its place, `portMappings[1]`, `sidecars[0]`."""
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
        return f"{setting}.{item['name']}"
    return f"{setting}[{index}]"


def _item(setting: str, hint: Any, value: Any) -> Any:
    """One element of a list setting: a sidecar, a port, a subnet id."""
    if hint is str:
        return _element(setting, value)
    return _convert(setting, hint, value)


def _element(setting: str, value: Any) -> Any:
    # A list of subnet ids may hold another resource's (unknown) output.
    if isinstance(value, pulumi.Output):
        return value
    return _expect(setting, value, str, "a string")


def _expect(setting: str, value: Any, kind: type, described: str) -> Any:
    if not isinstance(value, kind):
        raise InputPropertyError(setting, f"{setting}: {value!r} is not {described}")
    return value


def _shared_runtime(setting: str, value: Any) -> SharedRuntimeRef:
    _expect(setting, value, dict, "an object of the runtime's outputs")
    missing = [key for key in OUTPUT_FIELDS if value.get(key) is None]
    if missing:
        raise InputPropertyError(
            setting,
            f"{setting}: lacks the runtime output(s) {', '.join(missing)}; pass every output of "
            "the SharedRuntime",
        )
    return SharedRuntimeRef.from_outputs(value)
