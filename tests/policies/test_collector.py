"""The pack's process settles its garbage collector before it serves, and the benchmark's no-op
twin is set up the same way, so that the benchmark still compares only what the rules do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.policy_throughput import _no_op_pack
from ecs_blue_green_policies import collector
from tests.policies.analyzer import PACK_DIR

# Runs a pack's __main__.py with a PolicyPack that reports the collector's state instead of
# serving: what the SDK's PolicyPack would find when it starts the server.
PROBE = """
import gc, json, runpy, sys
import pulumi_policy

def report(**kwargs):
    print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                      "policies": len(kwargs["policies"])}))

pulumi_policy.PolicyPack = report
sys.path.insert(0, ".")
runpy.run_path("__main__.py", run_name="__main__")
"""


def state_when_serving(pack_dir: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=pack_dir,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    state: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return state


def test_the_pack_settles_its_collector_before_it_serves() -> None:
    state = state_when_serving(PACK_DIR)
    assert state["threshold"] == list(collector.THRESHOLDS)
    assert isinstance(state["frozen"], int)
    assert state["frozen"] > 10_000  # what the imports made: grpc, protobuf, the SDK
    assert state["policies"] == 19


def test_the_benchmark_twin_is_set_up_like_the_pack(tmp_path: Path) -> None:
    policies: list[tuple[str, str, dict[str, object]]] = [("a", "resource", {}), ("b", "stack", {})]
    state = state_when_serving(_no_op_pack(tmp_path, policies))
    assert state["threshold"] == list(collector.THRESHOLDS)
    assert isinstance(state["frozen"], int)
    assert state["frozen"] > 10_000
    assert state["policies"] == len(policies)
