"""What the rules of one Analyze or AnalyzeStack call share.

The SDK hands every policy its own copy of a resource: its `Analyze` deserialises the
request's properties anew for each resource policy, and `AnalyzeStack` every resource anew for
each stack policy (pulumi_policy/policy.py). Each rule then copied its proxies into plain data
(`values.plain`): the largest part of what the rules add to a preview (docs/policies.md). The
rules of one call now share those copies.

A call is known by the response it fills: the report callback the SDK gives each policy closes
over the call's `AnalyzeResponse` (`_create_report_violation`, variable `response`). Every
call has its own, whichever of the gRPC server's threads runs it, and the entry here holds the
response, so its identity cannot pass to a later call. Where a callback closes over no
response (another SDK version, a rule called directly), nothing is shared: each rule computes
its own, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pulumi.runtime.proto import analyzer_pb2

T = TypeVar("T")

_calls = threading.local()
"""Per thread: ``response`` of the current call and ``values`` computed for it."""


def call_of(report: Callable[..., Any]) -> analyzer_pb2.AnalyzeResponse | None:
    """The response of the call whose report callback is ``report``, if the SDK's."""
    code = getattr(report, "__code__", None)
    closure = getattr(report, "__closure__", None)
    if code is None or closure is None or "response" not in code.co_freevars:
        return None
    response = closure[code.co_freevars.index("response")].cell_contents
    return response if isinstance(response, analyzer_pb2.AnalyzeResponse) else None


def shared(report: Callable[..., Any], key: str, make: Callable[[], T]) -> T:
    """``make()``, computed once per call and ``key`` for all the rules of that call."""
    response = call_of(report)
    if response is None:
        return make()
    if getattr(_calls, "response", None) is not response:
        _calls.response, _calls.values = response, {}
    values: dict[str, Any] = _calls.values
    if key not in values:
        values[key] = make()
    value: T = values[key]
    return value
