"""The dynamic-provider host of offline runs: pulumi.dynamic's own, with its waits compressed.

The release resource and the ECS check wait between polls with `time.sleep` (15 s by default, an
input kept in their state, so offline runs must not change it). The local endpoint runs AWS's
clock `OFFLINE_TIME_FACTOR` times faster (offline/endpoint.py); this host shortens the
providers' sleeps by the same factor, so a release takes seconds, as it does for the endpoint.
Deadlines read the uncompressed clock, so offline a release can only get more polls before its
budget ends, never fewer. The patch is made before the engine sends the first request, so the
providers' `sleep=time.sleep` defaults, bound when their modules are unpickled, take it.
"""

from __future__ import annotations

import os
import runpy
import time

from offline import collector

FACTOR = float(os.environ.get("OFFLINE_TIME_FACTOR", "60"))
_real_sleep = time.sleep


def compressed_sleep(seconds: float) -> None:
    _real_sleep(max(0.0, seconds) / FACTOR)


if __name__ == "__main__":
    time.sleep = compressed_sleep  # type: ignore[assignment]
    import pulumi.dynamic  # noqa: F401 (imported before the collector settles: offline/collector.py)

    collector.settle()
    runpy.run_module("pulumi.dynamic", run_name="__main__")
