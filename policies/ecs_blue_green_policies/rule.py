"""Rule definitions and their adapters to the pulumi-policy SDK.

A rule is a small pure function over plain property data (see :mod:`.values`) that yields
violation messages. The adapters here do everything rules share: resource-type filtering,
config defaults and validation, exemptions, naming the resource in each message, and turning
:class:`NotApplicable` into the SDK's not-applicable report.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from ecs_blue_green_policies.values import UNKNOWN, Props, tag_value

Config = Mapping[str, Any]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "integer": (int, float),
    "number": (int, float),
    "string": (str,),
    "array": (list,),
}


@dataclass(frozen=True)
class Setting:
    """One config property of a rule. ``default`` is both the schema default the CLI applies
    and the value the code uses when the CLI did not (tests, older CLIs): one source."""

    name: str
    type: str
    default: Any
    description: str
    minimum: float | None = None
    items: str | None = None
    """Element type when ``type`` is "array"."""

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": self.type,
            "default": self.default,
            "description": self.description,
        }
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.items is not None:
            schema["items"] = {"type": self.items}
        return schema

    def validate(self, rule_id: str, value: Any) -> Any:
        """Return ``value`` (ints for integer settings) or raise naming rule, setting and type."""
        where = f"policy config {rule_id}.{self.name}"
        is_bool = isinstance(value, bool)
        if is_bool != (self.type == "boolean") or not isinstance(value, _JSON_TYPES[self.type]):
            raise ValueError(f"{where} must be of type {self.type}, got {value!r}")
        if self.type == "integer" and isinstance(value, int | float):
            # JSON config numbers arrive as floats (protobuf Struct): 5.0 is the integer 5.
            if not float(value).is_integer():
                raise ValueError(f"{where} must be an integer, got {value!r}")
            value = int(value)
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{where} must be at least {self.minimum:g}, got {value!r}")
        if self.items is not None:
            for item in value:
                if not isinstance(item, _JSON_TYPES[self.items]) or isinstance(item, bool):
                    raise ValueError(
                        f"{where} must hold only items of type {self.items}, got {item!r}"
                    )
        return value


EXEMPTION_TAG = Setting(
    "exemptionTag",
    "string",
    "blue-green-exempt",
    "Resource tag that exempts a resource. Value `true` or `all` exempts it from every rule of"
    " this pack; otherwise the value is a space-separated list of rule IDs (AWS tag values"
    " cannot hold commas).",
)
EXEMPT_RESOURCE_NAMES = Setting(
    "exemptResourceNames",
    "array",
    [],
    "Glob patterns (fnmatch, case-sensitive) of Pulumi resource names this rule skips.",
    items="string",
)
COMMON_SETTINGS = (EXEMPTION_TAG, EXEMPT_RESOURCE_NAMES)


class NotApplicable(Exception):  # noqa: N818 - mirrors the SDK's `not_applicable`
    """Raised by a rule when the resource is outside what the rule is about."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Resource:
    """What a rule sees of one resource: engine type, Pulumi name, URN and plain properties
    (a dict in tests, :class:`Props` from the SDK)."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]


@dataclass(frozen=True)
class Finding:
    """A stack rule's violation, attributed to one resource."""

    resource: Resource
    message: str


@dataclass(frozen=True)
class RuleInfo:
    """What every rule declares: the fixed ID, its default level and its documentation."""

    id: str
    description: str
    level: EnforcementLevel
    remediation: str
    """How to fix a violation, shown in Pulumi Cloud and the table in docs/policies.md."""
    settings: tuple[Setting, ...] = ()
    severity: Severity = Severity.MEDIUM

    @property
    def all_settings(self) -> tuple[Setting, ...]:
        return (*self.settings, *COMMON_SETTINGS)

    def schema(self) -> PolicyConfigSchema:
        return PolicyConfigSchema({s.name: s.schema() for s in self.all_settings})

    def resolve_config(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Code defaults overlaid with the configured values, each validated."""
        settings = {s.name: s for s in self.all_settings}
        config = {s.name: s.default for s in self.all_settings}
        for key, value in (raw or {}).items():
            if key not in settings:
                allowed = ", ".join(sorted(settings))
                raise ValueError(f"policy config {self.id}.{key} is unknown; allowed: {allowed}")
            config[key] = settings[key].validate(self.id, value)
        return config


@dataclass(frozen=True)
class ResourceRule:
    """A rule run on each resource of ``resource_types`` (aws and aws-native tokens)."""

    info: RuleInfo
    resource_types: frozenset[str]
    check: Callable[[Resource, Config], Iterable[str]]


@dataclass(frozen=True)
class StackRule:
    """A rule run once over the whole stack (it needs relations between resources)."""

    info: RuleInfo
    check: Callable[[Stack, Config], Iterable[Finding]]


def exemption(resource: Resource, rule_id: str, config: Config) -> bool | None:
    """True if exempt, False if not, None if the exemption tag is unknown during preview
    (then the caller stays silent rather than report a possibly exempt resource)."""
    patterns = config[EXEMPT_RESOURCE_NAMES.name]
    if patterns and any(fnmatch.fnmatchcase(resource.name, p) for p in patterns):
        return True
    value = tag_value(resource.props, config[EXEMPTION_TAG.name])
    if value is UNKNOWN:
        return None
    if not isinstance(value, str):
        return False
    words = value.split()
    return value.strip().lower() in ("true", "all") or rule_id in words


def _exemption_reason(config: Config) -> str:
    return (
        f"exempted by tag {config[EXEMPTION_TAG.name]!r} or by "
        f"{EXEMPT_RESOURCE_NAMES.name} {config[EXEMPT_RESOURCE_NAMES.name]!r}"
    )


def _message(resource: Resource, text: str) -> str:
    return f"{resource.name} ({resource.type}): {text}"


def to_policy(rule: ResourceRule | StackRule) -> Policy:
    """The SDK policy object for ``rule``."""
    info = rule.info
    common: dict[str, Any] = {
        "name": info.id,
        "description": info.description,
        "enforcement_level": info.level,
        "config_schema": info.schema(),
        "severity": info.severity,
        "remediation_steps": info.remediation,
    }
    if isinstance(rule, ResourceRule):
        return ResourceValidationPolicy(validate=_resource_validation(rule), **common)
    return StackValidationPolicy(validate=_stack_validation(rule), **common)


def _resource_validation(
    rule: ResourceRule,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    types, rule_id, resolve = rule.resource_types, rule.info.id, _config_resolver(rule.info)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        # Every resource of every stack reaches every policy: leave unrelated types first.
        if args.resource_type not in types:
            return
        config = resolve(args.get_config())
        resource = _resource(args)
        exempt = exemption(resource, rule_id, config)
        if exempt is None:
            return
        if exempt:
            args.not_applicable(_exemption_reason(config))
        try:
            messages = list(rule.check(resource, config))
        except NotApplicable as error:
            args.not_applicable(error.reason)
            return
        for text in messages:
            report(_message(resource, text), None)

    return validate


def _resource(args: ResourceValidationArgs) -> Resource:
    return Resource(args.resource_type, args.name, args.urn, Props(args.props))


def _stack_validation(rule: StackRule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    rule_id, resolve = rule.info.id, _config_resolver(rule.info)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        config = resolve(args.get_config())
        stack = Stack(args.resources)
        for finding in rule.check(stack, config):
            if exemption(finding.resource, rule_id, config) is False:
                report(_message(finding.resource, finding.message), finding.resource.urn)

    return validate


def _config_resolver(info: RuleInfo) -> Callable[[Mapping[str, Any] | None], Config]:
    """``info.resolve_config``, remembering the last result: the SDK hands each call a copy of
    the same configuration, and validating it again was a tenth of a rule's cost."""
    last: list[tuple[dict[str, Any], Config]] = []

    def resolve(raw: Mapping[str, Any] | None) -> Config:
        given = dict(raw or {})
        if last and last[0][0] == given:
            return last[0][1]
        config = MappingProxyType(info.resolve_config(given))
        last[:] = [(given, config)]
        return config

    return resolve


@dataclass
class Stack:
    """The resources of a stack with their dependency graph, for one stack rule. Properties are
    converted to plain data lazily: a stack rule reads a few properties of a few types out of
    thousands of resources. Views are not shared with the next rule: kept alive while the SDK
    deserialises the whole stack again for it, they made that slower than the copies they
    saved (docs/policies.md)."""

    resources: list[PolicyResource]
    _views: dict[str, Resource] = field(default_factory=dict)
    _by_type: dict[frozenset[str], list[PolicyResource]] = field(default_factory=dict)
    _by_id: dict[tuple[frozenset[str], tuple[str, ...]], dict[str, list[PolicyResource]]] = field(
        default_factory=dict
    )

    def view(self, resource: PolicyResource) -> Resource:
        view = self._views.get(resource.urn)
        if view is None:
            props = Props(resource.props)
            view = Resource(resource.resource_type, resource.name, resource.urn, props)
            self._views[resource.urn] = view
        return view

    def of_type(self, types: frozenset[str]) -> list[PolicyResource]:
        found = self._by_type.get(types)
        if found is None:
            found = [r for r in self.resources if r.resource_type in types]
            self._by_type[types] = found
        return found

    def _id_index(
        self, types: frozenset[str], id_fields: tuple[str, ...]
    ) -> dict[str, list[PolicyResource]]:
        index = self._by_id.get((types, id_fields))
        if index is None:
            index = {}
            for candidate in self.of_type(types):
                props = self.view(candidate).props
                for value in {props.get(f) for f in id_fields}:
                    if isinstance(value, str):
                        index.setdefault(value, []).append(candidate)
            self._by_id[(types, id_fields)] = index
        return index

    def by_id(
        self, types: frozenset[str], id_fields: tuple[str, ...], value: str
    ) -> list[PolicyResource]:
        """Resources of ``types`` whose output in one of ``id_fields`` equals ``value``."""
        return self._id_index(types, id_fields).get(value, [])

    def property_dependencies(
        self, resource: PolicyResource, key: str, types: frozenset[str]
    ) -> list[PolicyResource] | None:
        """Resources of ``types`` that property ``key`` was computed from; None when the engine
        sent no dependency information for ``key``."""
        deps = resource.property_dependencies.get(key)
        if deps is None:
            return None
        return [d for d in deps if d.resource_type in types]

    def references(
        self,
        resource: PolicyResource,
        key: str,
        types: frozenset[str],
        id_fields: tuple[str, ...],
    ) -> list[PolicyResource]:
        """Resources of ``types`` that property ``key`` (an ID/ARN or a list of them) refers to:
        those it depends on (exact even while IDs are unknown) plus those whose ``id_fields``
        output equals a known value (IDs written as literals)."""
        found = {r.urn: r for r in self.property_dependencies(resource, key, types) or []}
        value = self.view(resource).props.get(key)
        for literal in value if isinstance(value, list) else [value]:
            if isinstance(literal, str):
                for candidate in self.by_id(types, id_fields, literal):
                    found.setdefault(candidate.urn, candidate)
        return list(found.values())
