"""The policy benchmark's verdict, without running it (it takes minutes): it fails loudly
below its threshold, and its CPU clock reads the right /proc fields."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from bench import pack_profile
from bench import policy_throughput as bench
from bench.policy_throughput import MINIMUM_RATIO, PACK, TWIN, Rates, verdict


def rates(pack_cpu: float, twin_cpu: float | None = 1000.0) -> dict[str, bench.Rates]:
    return {PACK: Rates(wall=900.0, cpu=pack_cpu), TWIN: Rates(wall=1000.0, cpu=twin_cpu)}


def test_the_threshold_is_the_issue_s_95_percent() -> None:
    assert MINIMUM_RATIO == 0.95


def test_each_pack_is_rated_against_the_twin_of_its_own_round() -> None:
    def runs(*cpus: float) -> list[bench.Preview]:
        return [bench.Preview(analyze=cpu, stack=0.0, cpu=cpu) for cpu in cpus]

    # Round by round the pack costs 2 %, 5 %, 4 % and 1 % more than the twin, while the
    # machine's speed varies more than that between rounds.
    previews = {TWIN: runs(2.7, 3.3, 3.0, 2.9), PACK: runs(2.754, 3.465, 3.12, 2.929)}
    rated = bench.paired(3000, previews)
    twin_median = (2.9 + 3.0) / 2
    assert rated[TWIN].cpu == pytest.approx(3000 / twin_median)
    ratios = sorted([2.7 / 2.754, 3.3 / 3.465, 3.0 / 3.12, 2.9 / 2.929])
    assert rated[PACK].cpu == pytest.approx(3000 / twin_median * (ratios[1] + ratios[2]) / 2)
    # Without /proc for a round, no CPU rate at all rather than one from fewer rounds.
    previews[PACK][0] = bench.Preview(analyze=2.754, stack=0.0, cpu=None)
    assert bench.paired(3000, previews)[PACK].cpu is None


def test_a_pack_below_the_threshold_fails() -> None:
    passed, lines = verdict(rates(949.0))
    assert not passed
    assert lines[-1].startswith("FAIL: CPU-time ratio 94.9% is below the minimum 95%")
    assert "bench.pack_profile" in lines[-1]


def test_a_pack_at_the_threshold_passes_on_cpu_time_not_wall_time() -> None:
    passed, lines = verdict(rates(950.0))
    assert passed
    assert lines[0].split() == ["wall-time", "ratio:", "90.0%", "of", "the", "no-op", "twin"]
    assert lines[-1] == "PASS: CPU-time ratio 95.0% >= minimum 95%"


def test_without_cpu_times_the_wall_time_ratio_decides() -> None:
    passed, lines = verdict(rates(2000.0, twin_cpu=None))
    assert not passed
    assert lines[-1].startswith("FAIL: wall-time ratio (no /proc for CPU time) 90.0%")


def test_main_exits_non_zero_and_says_fail_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "packs", lambda: nullcontext({}))
    monkeypatch.setattr(bench, "measure", lambda *_: rates(900.0))
    monkeypatch.setattr("sys.argv", ["policy_throughput", "--resources", "20"])
    assert bench.main() == 1
    assert "FAIL: CPU-time ratio 90.0%" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="no /proc on this system")
def test_cpu_seconds_counts_user_and_system_time_and_not_sleep() -> None:
    start = bench.cpu_seconds(os.getpid())
    time.sleep(0.3)
    slept = bench.cpu_seconds(os.getpid())
    # Mostly system time (reading the CPU clock is a real system call), then mostly user time.
    cpu_start = time.process_time()
    while time.process_time() < cpu_start + 0.3:
        pass
    while time.process_time() < cpu_start + 0.6:
        sum(range(2000))
    worked = bench.cpu_seconds(os.getpid())
    used = time.process_time() - cpu_start
    assert start is not None
    assert slept is not None
    assert worked is not None
    assert slept - start < 0.05
    assert worked - slept == pytest.approx(used, abs=0.05)


class _Stub:
    """A pack's gRPC stub that charges its pack's CPU clock per call."""

    def __init__(self, pack: _FakePack) -> None:
        self.pack = pack

    def Analyze(self, request: object) -> None:  # noqa: N802 - the gRPC method's name
        self.pack.cpu += self.pack.per_resource
        self.pack.calls.append(request)

    def AnalyzeStack(self, request: object) -> None:  # noqa: N802
        self.pack.cpu += self.pack.per_stack
        self.pack.calls.append("stack")


class _FakePack:
    def __init__(self, pid: int, per_resource: float, per_stack: float) -> None:
        self.pid, self.per_resource, self.per_stack = pid, per_resource, per_stack
        self.cpu = 0.0
        self.calls: list[object] = []
        self.stub = _Stub(self)


def test_a_round_sends_every_pack_the_same_preview_by_turns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    packs = {
        PACK: _FakePack(1, 0.002, 0.5),
        "one": _FakePack(2, 0.0, 0.0),
        TWIN: _FakePack(3, 0.001, 0.4),
    }
    by_pid = {pack.pid: pack for pack in packs.values()}
    monkeypatch.setattr(bench, "cpu_seconds", lambda pid: by_pid[pid].cpu)
    requests = [object() for _ in range(bench.CHUNK * 3 + 7)]
    load = bench.Workload(analyze=requests, stack=object())  # type: ignore[arg-type]
    previews = bench.one_round(packs, load)  # type: ignore[arg-type]
    for pack in packs.values():
        assert pack.calls == [*requests, *["stack"] * bench.STACK_CALLS]
    # A preview is every Analyze call and one AnalyzeStack call: the mean of the round's.
    assert previews[PACK].cpu == pytest.approx(len(requests) * 0.002 + 0.5)
    assert previews[TWIN].cpu == pytest.approx(len(requests) * 0.001 + 0.4)


def test_the_pack_and_its_twin_take_every_place_in_the_turns_equally() -> None:
    turns = list(bench._turns(["pack", "one", "twin"], 4))
    assert turns == ["pack", "one", "twin", "twin", "one", "pack"] * 2
    firsts = turns[::3]
    assert firsts.count("pack") == firsts.count("twin")


def test_the_packs_are_configured_as_the_cli_configures_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configured: list[dict[str, object]] = []

    class Client:
        info = type("Info", (), {"policies": []})()

        def configure(self, **kwargs: object) -> None:
            configured.append(kwargs)

    monkeypatch.setattr(bench, "running_pack", lambda *_: nullcontext(Client()))
    with bench.packs() as clients:
        names = list(clients)
    assert (names[0], names[-1]) == (PACK, TWIN)
    assert configured == [{"schema_defaults": True}] * 3


def test_every_round_starts_the_packs_afresh_and_warms_them_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process's speed varies between two starts of the same code: each round is a draw of
    its own, so the median of the rounds is not one process's luck."""
    started: list[dict[str, _FakePack]] = []
    by_pid: dict[int, _FakePack] = {}

    @contextmanager
    def fresh_packs() -> Iterator[dict[str, _FakePack]]:
        pid = 10 * len(started)
        packs = {PACK: _FakePack(pid + 1, 0.002, 0.5), TWIN: _FakePack(pid + 2, 0.001, 0.4)}
        started.append(packs)
        by_pid.update({pack.pid: pack for pack in packs.values()})
        yield packs

    monkeypatch.setattr(bench, "packs", fresh_packs)
    monkeypatch.setattr(bench, "cpu_seconds", lambda pid: by_pid[pid].cpu)
    requests = [object() for _ in range(bench.WARM_UP_REQUESTS + 3)]
    load = bench.Workload(analyze=requests, stack=object())  # type: ignore[arg-type]
    lines: list[str] = []
    rated = bench.measure(load, 3, lines.append)
    assert len(started) == 3
    assert [line.split(":")[0] for line in lines] == ["round 1/3", "round 2/3", "round 3/3"]
    for packs in started:
        warm_up = [*requests[: bench.WARM_UP_REQUESTS], *["stack"] * bench.STACK_CALLS]
        measured = [*requests, *["stack"] * bench.STACK_CALLS]
        assert all(pack.calls == warm_up + measured for pack in packs.values())
    # Only the measured round counts: 0.002 per resource and 0.5 per preview's stack call.
    pack_cpu = len(requests) * 0.002 + 0.5
    assert rated[PACK].cpu == pytest.approx(len(requests) / pack_cpu)


def test_the_usage_line_names_the_default_rounds() -> None:
    assert f"[--rounds {bench.ROUNDS}]" in (bench.__doc__ or "")


def test_opcodes_count_only_the_pack_s_code_by_phase_and_function() -> None:
    load = bench.workload(40)
    counts = pack_profile.opcodes(pack_profile.servicer(pack_profile.policies()), load)
    assert counts["Analyze", "rule.validate"] > 0
    assert counts["Analyze", "rule.exemption"] > 0
    assert counts["AnalyzeStack", "test_listener.check"] > 0
    # The same count on every run, and none for the twin: the SDK's own code is not counted.
    again = pack_profile.opcodes(pack_profile.servicer(pack_profile.policies()), load)
    assert again == counts
    twin = pack_profile.servicer([pack_profile._twin(p) for p in pack_profile.policies()])
    assert pack_profile.opcodes(twin, load) == {}
