"""The garbage collector's settings for our own Python processes that make many objects: the
test workers (tests/conftest.py), and offline's program host and plugins.

CPython collects its youngest generation every 700 net allocations and walks every tracked
object at each full collection. A Pulumi program or a mocked stack run makes tens of thousands
of short-lived futures and protobuf messages on top of the hundreds of thousands of objects its
imports leave (pulumi_aws's types, botocore's models): at the defaults the collector takes about
a fifth of their CPU time (measured in docs/development.md). Nothing depends on when cycles are
collected; memory grows by tens of megabytes at most.
"""

from __future__ import annotations

import gc

#: Young objects a collection waits for, and how many collections of each generation come
#: before one of the next (CPython's defaults: 700, 10, 10).
THRESHOLDS = (50_000, 20, 20)


def settle() -> None:
    """Freeze what is alive now (what the imports made, which lives as long as the process) so
    that full collections no longer walk it, and collect less often from now on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
