"""Listener rules: which requests reach which service, in what order. All of routing lives here.

ECS-native blue/green moves traffic by rewriting listener *rules* into weighted forwards between
the two target groups, never the listeners' default actions. Every ECS-controlled service owns a
production rule and a test rule: on its own load balancer (match `/*`, priority 1) or on the
shared runtime's listeners (matched by its host headers and/or path patterns, at its priority).
With a test listener, ECS needs one target group attached to the production rule and the other
to the test rule (ECS developer guide, "Application Load Balancer resources for blue/green,
linear, and canary deployments"); both rules name both groups with weights, which satisfies
either reading: production starts 100 % blue, test 100 % green.

After a release ECS owns the rules' `actions` (the weights move to green and back on every
deployment), so the rules ignore exactly `actions` and nothing else: conditions, priority and
tags keep drift detection. The same ignore is the documented fix in terraform-aws-modules
(terraform-aws-alb#409) and the provider discussion terraform-provider-aws#43905.

On shared listeners the ALB evaluates a listener's rules by ascending priority; two rules on one
listener cannot share a priority (CreateRule fails with the error
code `PriorityInUse`, `PriorityInUseException` in botocore's elbv2 model).

How priorities stay apart:
- an explicit `listenerRulePriority` wins; give one to every service whose conditions overlap
  another's (say `/api/*` before `/*`), since only the order decides who gets the request;
- otherwise the priority is derived from the service name: stable across runs and machines
  (SHA-256, not Python's salted `hash`), in a band above the explicit ones people tend to pick,
  so a hand-set priority below `DEFAULT_BAND_START` is evaluated before every derived one;
- a clash that still happens (two names landing on one priority, about 3 % for 50 services in
  the band) fails that service's `pulumi up` with `PriorityInUse` before its rule exists; nothing
  else on the listener changes, and setting `listenerRulePriority` resolves it.

Limits (Quotas for your Application Load Balancers, Elastic Load Balancing user guide): 5
condition values and 5 wildcards per rule, 100 rules per load balancer (adjustable) and 100
target groups per load balancer (not adjustable): with two rules and two target groups per
blue/green service, one shared load balancer carries at most 50 such services.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

if TYPE_CHECKING:
    # Imported where resources are built: `components.args` imports this module for validation,
    # and tools that only read stack files (the release timeline) must not pay for pulumi_aws.
    import pulumi_aws as aws

#: botocore elbv2 model, shape `RulePriority`: integer 1..50000.
PRIORITY_MIN = 1
PRIORITY_MAX = 50000
#: Derived priorities fall in [DEFAULT_BAND_START, PRIORITY_MAX).
DEFAULT_BAND_START = 10000
MAX_CONDITION_VALUES = 5
MAX_CONDITION_WILDCARDS = 5
MAX_RULES_PER_LOAD_BALANCER = 100
MAX_TARGET_GROUPS_PER_LOAD_BALANCER = 100

#: HostHeaderConditionConfig: up to 128 characters of A-Z a-z 0-9 - . * ?, at least one '.',
#: only letters (or wildcards) after the last '.'.
_HOST = re.compile(r"^[A-Za-z0-9*?.-]{1,128}$")
_HOST_TLD = re.compile(r"\.[A-Za-z*?]+$")
#: PathPatternConditionConfig: up to 128 characters of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?.
_PATH = re.compile(r"""^/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$""")


def default_priority(service_name: str) -> int:
    """The priority of a service that sets none: a stable function of its name."""
    digest = int.from_bytes(hashlib.sha256(service_name.encode()).digest()[:8], "big")
    return DEFAULT_BAND_START + digest % (PRIORITY_MAX - DEFAULT_BAND_START)


def rule_priority(service_name: str, explicit: int | None) -> int:
    return explicit if explicit is not None else default_priority(service_name)


def host_header_error(host: str) -> str | None:
    if _HOST.match(host) and _HOST_TLD.search(host):
        return None
    return (
        f"hostHeaders: {host!r} is not an ALB host-header value (up to 128 of A-Z a-z 0-9 - . "
        "* ?, with a '.' and only letters after the last '.', e.g. api.example.com)"
    )


def path_pattern_error(path: str) -> str | None:
    if _PATH.match(path):
        return None
    return (
        f"pathPatterns: {path!r} is not an ALB path pattern (starts with '/', up to 128 of "
        "A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?, e.g. /api/*)"
    )


#: Engine (camelCase) names of what ECS owns on a rule.
RULE_IGNORED = ["actions"]

#: Match everything: a service's own listeners serve that service only.
DEFAULT_PATH_PATTERNS = ("/*",)
#: The first rule of a service's own listeners.
DEFAULT_PRIORITY = 1

#: What replaces wildcards when a host or path must be made concrete (test-gate requests, URLs).
_HOST_WILDCARD_STANDIN = "test-gate"
_SINGLE_WILDCARD_STANDIN = "x"


@dataclass
class ListenerRules:
    production: aws.lb.ListenerRule
    test: aws.lb.ListenerRule


def route_conditions(
    host_headers: Sequence[str], path_patterns: Sequence[str]
) -> list[aws.lb.ListenerRuleConditionArgs]:
    """A rule's conditions on the shared listeners: the ALB requires every condition to match
    (host AND path), and any one value within a condition."""
    import pulumi_aws as aws  # noqa: PLC0415 (see the TYPE_CHECKING import)

    conditions = []
    if host_headers:
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=list(host_headers))
            )
        )
    if path_patterns:
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(path_patterns))
            )
        )
    return conditions


def _weighted_forward(
    primary: pulumi.Input[str], other: pulumi.Input[str]
) -> list[aws.lb.ListenerRuleActionArgs]:
    import pulumi_aws as aws  # noqa: PLC0415 (see the TYPE_CHECKING import)

    return [
        aws.lb.ListenerRuleActionArgs(
            type="forward",
            forward=aws.lb.ListenerRuleActionForwardArgs(
                target_groups=[
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=primary, weight=100),
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=other, weight=0),
                ]
            ),
        )
    ]


def create_listener_rules(
    name: str,
    *,
    production_listener_arn: pulumi.Input[str],
    test_listener_arn: pulumi.Input[str],
    blue_target_group_arn: pulumi.Input[str],
    green_target_group_arn: pulumi.Input[str],
    conditions: Sequence[aws.lb.ListenerRuleConditionArgs] | None = None,
    priority: int = DEFAULT_PRIORITY,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> ListenerRules:
    """The production rule (all traffic to blue) and the test rule (all test traffic to green).

    `conditions` default to path-pattern `/*` (DEFAULT_PATH_PATTERNS); `priority` is used on
    both listeners (two listeners, so no clash between the two rules)."""
    import pulumi_aws as aws  # noqa: PLC0415 (see the TYPE_CHECKING import)

    if not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        raise ValueError(
            f"listenerRulePriority: {priority} is outside {PRIORITY_MIN}..{PRIORITY_MAX}"
        )
    matched = list(conditions or route_conditions((), DEFAULT_PATH_PATTERNS))
    owned_by_ecs = pulumi.ResourceOptions(parent=parent, ignore_changes=RULE_IGNORED)
    production = aws.lb.ListenerRule(
        f"{name}-production-rule",
        listener_arn=production_listener_arn,
        priority=priority,
        conditions=matched,
        actions=_weighted_forward(blue_target_group_arn, green_target_group_arn),
        tags=tags,
        opts=owned_by_ecs,
    )
    test = aws.lb.ListenerRule(
        f"{name}-test-rule",
        listener_arn=test_listener_arn,
        priority=priority,
        conditions=matched,
        actions=_weighted_forward(green_target_group_arn, blue_target_group_arn),
        tags=tags,
        opts=owned_by_ecs,
    )
    return ListenerRules(production, test)


def concrete_host(host_header: str) -> str:
    """A host name the pattern matches (`*.example.com` -> `test-gate.example.com`)."""
    return host_header.replace("*", _HOST_WILDCARD_STANDIN).replace("?", _SINGLE_WILDCARD_STANDIN)


def concrete_path_prefix(path_pattern: str) -> str:
    """The pattern up to its first `*`, without a trailing `/` (`/billing/*` -> `/billing`)."""
    head = path_pattern.split("*", 1)[0].replace("?", _SINGLE_WILDCARD_STANDIN)
    return head.rstrip("/")


def path_matches(path: str, path_patterns: Sequence[str]) -> bool:
    """Whether the ALB would match `path` to one of the patterns (case-sensitive; `*` any run of
    characters, `?` one; ALB patterns hold no `[`, so fnmatch's classes never apply)."""
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in path_patterns)


def routed_paths(paths: Sequence[str], path_patterns: Sequence[str]) -> tuple[str, ...]:
    """`paths` as requests the service's rule matches: a path a pattern already matches stays,
    any other is put under the first pattern's concrete prefix (`/health` -> `/billing/health`
    for `/billing/*`). Without path patterns (host routing) paths are unchanged."""
    if not path_patterns:
        return tuple(paths)
    prefix = concrete_path_prefix(path_patterns[0])
    return tuple(p if path_matches(p, path_patterns) else prefix + p for p in paths)
