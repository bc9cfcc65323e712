"""Rules on load balancer target groups: health checks and deregistration delay."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import (
    Config,
    NotApplicable,
    Resource,
    ResourceRule,
    RuleInfo,
    Setting,
)
from ecs_blue_green_policies.values import UNKNOWN, get, number, truthy

HTTP_PROTOCOLS = ("HTTP", "HTTPS")
DEREGISTRATION_DELAY_ATTRIBUTE = "deregistration_delay.timeout_seconds"
AWS_DEFAULT_DEREGISTRATION_DELAY = 300.0
"""What ELB applies when the property is unset."""


def _require_not_lambda(resource: Resource) -> bool:
    """False when the target type is unknown; raises for Lambda target groups."""
    target_type = get(resource.props, "targetType")
    if target_type is UNKNOWN:
        return False
    if target_type == "lambda":
        raise NotApplicable("Lambda target groups have no registered tasks to check")
    return True


def _health_check(resource: Resource) -> tuple[Any, Any, str, str]:
    """(enabled, path, enabled property, path property) in each provider's own shape."""
    props = resource.props
    if resource.type == types.TARGET_GROUP_NATIVE:
        return (
            props.get("healthCheckEnabled"),
            props.get("healthCheckPath"),
            "healthCheckEnabled",
            "healthCheckPath",
        )
    block = props.get("healthCheck")
    if block is UNKNOWN:
        return UNKNOWN, UNKNOWN, "healthCheck.enabled", "healthCheck.path"
    return get(block, "enabled"), get(block, "path"), "healthCheck.enabled", "healthCheck.path"


def check_health_check(resource: Resource, config: Config) -> Iterator[str]:
    if not _require_not_lambda(resource):
        return
    protocol = get(resource.props, "protocol")
    if protocol is UNKNOWN:
        return
    if protocol is None:
        raise NotApplicable("no `protocol` set, so the kind of health check cannot be told")
    enabled, path, enabled_name, path_name = _health_check(resource)
    enabled = truthy(enabled)
    if enabled is False:
        yield f"health checks are disabled: set `{enabled_name}` to true"
    if protocol in HTTP_PROTOCOLS and path is not UNKNOWN and not path:
        yield (
            f"{protocol} target group without an explicit health check path: set `{path_name}`"
            " to the service's health endpoint (for example /health)"
        )


MAXIMUM_DELAY = Setting(
    "maximumSeconds",
    "integer",
    60,
    "Largest deregistration delay accepted. ELB's default of 300 s makes every blue/green"
    " cut-over and rollback wait five minutes for old connections to drain.",
    minimum=0,
)


def _deregistration_delay(resource: Resource) -> tuple[Any, str]:
    """(delay, property to set); delay None means unset (ELB uses 300 s)."""
    if resource.type != types.TARGET_GROUP_NATIVE:
        return number(resource.props.get("deregistrationDelay")), "deregistrationDelay"
    path = f"targetGroupAttributes[key={DEREGISTRATION_DELAY_ATTRIBUTE}].value"
    attributes = resource.props.get("targetGroupAttributes")
    if attributes is UNKNOWN:
        return UNKNOWN, path
    for attribute in attributes or []:
        key = get(attribute, "key")
        if key is UNKNOWN:
            return UNKNOWN, path
        if key == DEREGISTRATION_DELAY_ATTRIBUTE:
            return number(get(attribute, "value")), path
    return None, path


def check_deregistration_delay(resource: Resource, config: Config) -> Iterator[str]:
    if not _require_not_lambda(resource):
        return
    maximum = config[MAXIMUM_DELAY.name]
    delay, path = _deregistration_delay(resource)
    if delay is UNKNOWN:
        return
    effective = AWS_DEFAULT_DEREGISTRATION_DELAY if delay is None else delay
    if effective > maximum:
        shown = f"unset ({effective:g} s by default)" if delay is None else f"{effective:g} s"
        yield f"deregistration delay is {shown}: set `{path}` to at most {maximum}"


HEALTH_CHECK = ResourceRule(
    RuleInfo(
        "target-group-health-check",
        "Target groups must health check their targets: HTTP/HTTPS with an explicit path,"
        " TCP/TLS (and other non-HTTP protocols) with health checks not disabled.",
        EnforcementLevel.MANDATORY,
        'aws: set `healthCheck{enabled: true, path: "/health"}`; aws-native: set'
        " `healthCheckEnabled: true` and `healthCheckPath`. Non-HTTP target groups: do not set"
        " `enabled`/`healthCheckEnabled` to false.",
        severity=Severity.HIGH,
    ),
    types.TARGET_GROUP,
    check_health_check,
)

DEREGISTRATION_DELAY = ResourceRule(
    RuleInfo(
        "target-group-deregistration-delay",
        "Target groups should drain deregistered targets quickly so cut-overs and rollbacks are"
        " fast.",
        EnforcementLevel.ADVISORY,
        "aws: set `deregistrationDelay` (default 300); aws-native: add the target group"
        f" attribute `{DEREGISTRATION_DELAY_ATTRIBUTE}`; at most `maximumSeconds` (default 60).",
        (MAXIMUM_DELAY,),
    ),
    types.TARGET_GROUP,
    check_deregistration_delay,
)
