"""Rules on Application Load Balancers in front of blue/green services."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import Config, NotApplicable, Resource, ResourceRule, RuleInfo
from ecs_blue_green_policies.values import UNKNOWN, get, truthy

DROP_INVALID_HEADERS_ATTRIBUTE = "routing.http.drop_invalid_header_fields.enabled"


def check_drop_invalid_headers(resource: Resource, config: Config) -> Iterator[str]:
    props = resource.props
    native = resource.type == types.LOAD_BALANCER_NATIVE
    kind = props.get("type" if native else "loadBalancerType")
    if kind is UNKNOWN:
        return
    if kind not in (None, "application"):
        raise NotApplicable(f"a {kind} load balancer does not parse HTTP headers")
    if not native:
        drop = truthy(props.get("dropInvalidHeaderFields"))
        if drop is not UNKNOWN and drop is not True:
            yield "set `dropInvalidHeaderFields` to true"
        return
    attributes = props.get("loadBalancerAttributes")
    if attributes is UNKNOWN:
        return
    for attribute in attributes or []:
        if get(attribute, "key") is UNKNOWN:
            return
        if get(attribute, "key") == DROP_INVALID_HEADERS_ATTRIBUTE:
            if truthy(get(attribute, "value")) in (True, UNKNOWN):
                return
            break
    yield f'set the `loadBalancerAttributes` entry `{DROP_INVALID_HEADERS_ATTRIBUTE}` to "true"'


DROP_INVALID_HEADERS = ResourceRule(
    RuleInfo(
        "alb-drop-invalid-headers",
        "Application Load Balancers should drop HTTP headers with invalid names.",
        EnforcementLevel.ADVISORY,
        "aws: `dropInvalidHeaderFields: true`; aws-native: load balancer attribute"
        f' `{DROP_INVALID_HEADERS_ATTRIBUTE}` = "true".',
    ),
    types.LOAD_BALANCER,
    check_drop_invalid_headers,
)
