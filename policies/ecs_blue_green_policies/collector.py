"""The pack process's garbage collector.

For every resource of a preview the SDK deserialises the properties anew for each policy, and
for the stack call every resource again for each stack policy (pulumi_policy/policy.py): tens
of thousands of short-lived dicts, lists and proxies per second, on top of the objects the
imports leave (grpc, protobuf, the SDK). At CPython's default thresholds the collector runs
every 700 net allocations, and its full collections walk all of it (what settling saves:
docs/policies.md). Nothing in the pack depends on when cycles are collected.

offline/collector.py does the same for this project's own processes; the pack is published on
its own (`pulumi policy publish` uploads this folder), so it cannot import that one.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 20)
"""Young objects a collection waits for, and how many collections of each generation come
before one of the next (CPython's defaults: 700, 10, 10)."""


def settle() -> None:
    """Freeze what the imports made (it lives as long as the process) so that full collections
    no longer walk it, and collect less often from now on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
