"""Where the pack's time goes: its Analyzer servicer driven in-process under cProfile.

`bench.policy_throughput` says whether the pack is fast enough; this says why not. It builds the
SDK's Analyzer servicer around the pack's policies and around their no-op twin, sends both the
benchmark's workload without gRPC, prints the CPU seconds of each, then profiles one preview
of the pack and prints the functions with the most cumulative time.

cProfile rather than pyinstrument: it is in the standard library (no dependency), and its exact
call counts show what a sampling profiler cannot, e.g. that the SDK deserialises a resource
once per policy. It inflates the cost of small Python functions, so the unprofiled CPU seconds
printed first are the numbers to compare.

CPU time on a shared machine varies by a few percent from run to run, more than one change to
a rule costs. `--opcodes` counts instead the Python opcodes the pack's own code runs in one
preview (sys.settrace), by phase and by the function the rule adapter called: the same on
every run, so a change's cost is seen exactly.

Usage: python -m bench.pack_profile [--resources 3000] [--top 25] [--opcodes]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.policy import _PolicyAnalyzerServicer

from bench.policy_throughput import Workload, workload

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies"))
from ecs_blue_green_policies.pack import policies


def _nothing(args: object, report: object) -> None:
    return None


def _twin(policy: Policy) -> Policy:
    """``policy``'s name, kind and config schema, validating nothing."""
    schema = policy.config_schema
    if isinstance(policy, StackValidationPolicy):
        return StackValidationPolicy(policy.name, "does nothing", _nothing, config_schema=schema)
    return ResourceValidationPolicy(policy.name, "does nothing", _nothing, config_schema=schema)


def servicer(pack: list[Policy]) -> _PolicyAnalyzerServicer:
    """The servicer `PolicyPack` would serve, configured as the benchmark configures it."""
    analyzer = _PolicyAnalyzerServicer("profile", "0.0.1", pack, EnforcementLevel.ADVISORY)
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for policy in pack:
        request.policyConfig[policy.name].CopyFrom(
            analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.ADVISORY)
        )
    analyzer.Configure(request, None)
    return analyzer


def preview(analyzer: _PolicyAnalyzerServicer, load: Workload) -> float:
    """CPU seconds of one preview: every Analyze call, then the AnalyzeStack call."""
    start = time.process_time()
    for request in load.analyze:
        analyzer.Analyze(request, None)
    analyzer.AnalyzeStack(load.stack, None)
    return time.process_time() - start


PACKAGE = "/ecs_blue_green_policies/"
ADAPTER = "validate"
"""The rule adapters' function (`rule.py`): what it calls is what the counts are grouped by."""
_ANALYZE = _PolicyAnalyzerServicer.Analyze.__code__
_ANALYZE_STACK = _PolicyAnalyzerServicer.AnalyzeStack.__code__
"""Where the SDK's code starts: below these, frames count only if the pack's code called them."""


def _called_by_adapter(frame: FrameType) -> str:
    """``module.function`` of the frame that the rule adapter called, above ``frame``."""
    below = frame
    while frame.f_back is not None and frame.f_code.co_name != ADAPTER:
        below, frame = frame, frame.f_back
    code = below.f_code
    return f"{code.co_filename.rsplit('/', 1)[-1].removesuffix('.py')}.{code.co_name}"


def opcodes(analyzer: _PolicyAnalyzerServicer, load: Workload) -> Counter[tuple[str, str]]:
    """Opcodes run by the pack's code, and by what it calls, in one preview: by phase
    ("Analyze", "AnalyzeStack") and by the function the rule adapter called."""
    counts: Counter[tuple[str, str]] = Counter()
    phase = ["Analyze"]

    def count(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            counts[phase[0], _called_by_adapter(frame)] += 1
        return count

    def enter(frame: FrameType, event: str, arg: Any) -> Any:
        caller: FrameType | None = frame
        while caller is not None and PACKAGE not in caller.f_code.co_filename:
            if caller.f_code is _ANALYZE or caller.f_code is _ANALYZE_STACK:
                return None  # SDK code that the pack's code did not call
            caller = caller.f_back
        if caller is None:
            return None
        frame.f_trace_opcodes = True
        return count

    sys.settrace(enter)
    try:
        for request in load.analyze:
            analyzer.Analyze(request, None)
        phase[0] = "AnalyzeStack"
        analyzer.AnalyzeStack(load.stack, None)
    finally:
        sys.settrace(None)
    return counts


def print_opcodes(counts: Counter[tuple[str, str]], top: int) -> None:
    for phase in ("Analyze", "AnalyzeStack"):
        total = sum(n for (p, _), n in counts.items() if p == phase)
        print(f"{phase}: {total:,} opcodes of the pack's code per preview")
    for (phase, function), n in counts.most_common(top):
        print(f"{n:12,}  {phase:<12}  {function}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=3000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--opcodes", action="store_true", help="count opcodes, not CPU time")
    args = parser.parse_args()
    load = workload(args.resources)
    pack = servicer(policies())
    if args.opcodes:
        print_opcodes(opcodes(pack, load), args.top)
        return
    no_op = servicer([_twin(p) for p in policies()])
    for analyzer in (pack, no_op):
        preview(analyzer, load)  # warm-up
    pack_cpu, twin_cpu = preview(pack, load), preview(no_op, load)
    print(f"CPU seconds per preview: pack {pack_cpu:.2f}, no-op twin {twin_cpu:.2f}")
    print(f"ratio (twin / pack): {twin_cpu / pack_cpu:.1%}\n")
    profile = cProfile.Profile()
    profile.runcall(preview, pack, load)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
