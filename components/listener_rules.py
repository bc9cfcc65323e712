"""Listener rules on the shared load balancer: which requests reach which service, in what order.

ECS-native blue/green shifts traffic by rewriting the weights of a listener *rule*, so services
on one load balancer each own a rule on the production listener and one on the test listener,
matched by host header and/or path pattern. The ALB evaluates a listener's rules by ascending
priority; two rules on one listener cannot share a priority (CreateRule fails with the error
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

import hashlib
import re

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
