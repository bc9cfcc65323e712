"""The drill's figures and verdict, from the recorded responses and the release markers."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from drill.loadgen import Sample
from drill.orchestrate import Outcome, Release


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _latency(samples: list[Sample]) -> dict[str, Any]:
    ok = [s.latency * 1000 for s in samples if not s.failed]
    p50, p99 = percentile(ok, 0.50), percentile(ok, 0.99)
    return {
        "requests": len(samples),
        "p50_ms": None if p50 is None else round(p50, 1),
        "p99_ms": None if p99 is None else round(p99, 1),
    }


def _between(samples: list[Sample], start: float, end: float) -> list[Sample]:
    return [s for s in samples if start <= s.t < end]


def switch_time(samples: list[Sample], release: Release, end: float) -> float | None:
    """Seconds from `pulumi up` starting until every answer came from the new version: the
    first answer of the new version after the last answer of any other one."""
    window = [s for s in _between(samples, release.started, end) if not s.failed]
    others = [s.t for s in window if s.version != release.version]
    after = [s.t for s in window if s.version == release.version and s.t > max(others, default=-1)]
    return round(min(after) - release.started, 1) if after else None


def _release_figures(samples: list[Sample], release: Release, end: float) -> dict[str, Any]:
    window = _between(samples, release.started, end)
    figures: dict[str, Any] = {
        "version": release.version,
        "pulumi_up_started_s": round(release.started, 1),
        "pulumi_up_returned_s": round(release.ended, 1),
        "pulumi_up_seconds": round(release.ended - release.started, 1),
        "pulumi_up_exit": release.returncode,
        "requests": len(window),
        "failed_requests": sum(s.failed for s in window),
        "answers_from_this_version": sum(s.version == release.version for s in window),
    }
    if release.name == "good":
        figures["seconds_to_all_traffic_on_new_version"] = switch_time(samples, release, end)
    else:
        figures["seconds_to_rollback"] = round(release.ended - release.started, 1)
        figures["rollback_message"] = release.rollback_line
    return figures


def _versions(samples: list[Sample]) -> dict[str, dict[str, Any]]:
    versions: dict[str, dict[str, Any]] = {}
    for s in samples:
        if s.version is None:
            continue
        seen = versions.setdefault(
            s.version, {"first_s": round(s.t, 2), "last_s": 0.0, "answers": 0}
        )
        seen["last_s"] = round(s.t, 2)
        seen["answers"] += 1
    return versions


def _checks(figures: dict[str, dict[str, Any]], failed: int) -> list[dict[str, Any]]:
    good, broken = figures.get("good"), figures.get("broken")
    checks: list[tuple[str, bool]] = []
    if good is not None:
        checks += [
            ("good release: pulumi up succeeded", good["pulumi_up_exit"] == 0),
            ("good release: no failed request", good["failed_requests"] == 0),
            (
                "good release: all traffic reached the new version",
                good["seconds_to_all_traffic_on_new_version"] is not None,
            ),
        ]
    if broken is not None:
        checks += [
            ("broken release: pulumi up failed", broken["pulumi_up_exit"] != 0),
            ("broken release: rollback reported", bool(broken["rollback_message"])),
            (
                "broken release: no answer from the broken version",
                broken["answers_from_this_version"] == 0,
            ),
            ("broken release: no failed request", broken["failed_requests"] == 0),
        ]
    checks.append(("no failed request in the whole run", failed == 0))
    return [{"check": name, "passed": ok} for name, ok in checks]


def build(outcome: Outcome) -> dict[str, Any]:
    samples = outcome.samples
    end = outcome.load_seconds
    releases = outcome.releases
    figures: dict[str, dict[str, Any]] = {}
    for i, release in enumerate(releases):
        window_end = releases[i + 1].started if i + 1 < len(releases) else end
        figures[release.name] = _release_figures(samples, release, window_end)
    first = releases[0].started if releases else end
    last = releases[-1].ended if releases else end
    failed = sum(s.failed for s in samples)
    checks = _checks(figures, failed)
    complete = outcome.status == "completed" and {"good", "broken"} <= set(figures)
    return {
        "stack": outcome.stack,
        "controller": outcome.controller,
        "url": outcome.url,
        "started_at": outcome.started_at,
        "status": outcome.status,
        "passed": complete and all(c["passed"] for c in checks),
        "requests": len(samples),
        "failed_requests": failed,
        "errors": sorted({s.error for s in samples if s.error}),
        "releases": figures,
        "latency": {
            "before": _latency(_between(samples, 0, first)),
            "during": _latency(
                [s for s in samples if any(r.started <= s.t < r.ended for r in releases)]
            ),
            "after": _latency(_between(samples, last, end + 1)),
        },
        "versions": _versions(samples),
        "markers": [asdict(r) for r in releases],
        "checks": checks,
        "restored_config": outcome.restored,
        "notes": outcome.notes,
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:g} ms"


def render_text(report: dict[str, Any]) -> str:
    verdict = "PASSED" if report["passed"] else "FAILED"
    lines = [
        f"release drill on stack {report['stack']} ({report['controller']}): {verdict}",
        f"  status: {report['status']}; {report['requests']} requests, "
        f"{report['failed_requests']} failed",
    ]
    good, broken = report["releases"].get("good"), report["releases"].get("broken")
    if good:
        lines.append(
            f"  good release {good['version']}: {good['failed_requests']} failed, all traffic on "
            f"it after {good['seconds_to_all_traffic_on_new_version']} s, "
            f"pulumi up {good['pulumi_up_seconds']} s (exit {good['pulumi_up_exit']})"
        )
    if broken:
        lines.append(
            f"  broken release {broken['version']}: {broken['failed_requests']} failed, "
            f"{broken['answers_from_this_version']} answers from it, rolled back in "
            f"{broken['seconds_to_rollback']} s (exit {broken['pulumi_up_exit']})"
        )
        lines.append(f"    rollback message: {broken['rollback_message']}")
    for phase, figures in report["latency"].items():
        lines.append(
            f"  latency {phase}: p50 {_ms(figures['p50_ms'])}, p99 {_ms(figures['p99_ms'])} "
            f"({figures['requests']} requests)"
        )
    lines += [f"  [{'x' if c['passed'] else ' '}] {c['check']}" for c in report["checks"]]
    lines += [f"  note: {note}" for note in report["notes"]]
    return "\n".join(lines)


def write(report: dict[str, Any], samples: list[Sample], out: Path) -> None:
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "report.txt").write_text(render_text(report) + "\n")
    with (out / "responses.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["t_s", "latency_ms", "status", "version", "error"])
        for s in samples:
            writer.writerow(
                [
                    f"{s.t:.3f}",
                    f"{s.latency * 1000:.1f}",
                    s.status or "",
                    s.version or "",
                    s.error or "",
                ]
            )
