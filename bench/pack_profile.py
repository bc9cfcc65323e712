"""Where the pack's time goes: its Analyzer servicer driven in-process under cProfile.

`bench.policy_throughput` says whether the pack is fast enough; this says why not. It builds the
SDK's Analyzer servicer around the pack's policies and around their no-op twin, sends both the
benchmark's workload without gRPC, prints the CPU seconds of each, then profiles one preview
of the pack and prints the functions with the most cumulative time.

cProfile rather than pyinstrument: it is in the standard library (no dependency), and its exact
call counts show what a sampling profiler cannot, e.g. that the SDK deserialises a resource
once per policy. It inflates the cost of small Python functions, so the unprofiled CPU seconds
printed first are the numbers to compare.

Usage: python -m bench.pack_profile [--resources 3000] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=3000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    load = workload(args.resources)
    pack = servicer(policies())
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
