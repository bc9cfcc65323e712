"""The drill's timeline chart: responses per second by version and status, release markers.

matplotlib with the Agg backend renders a PNG without a display (CI, a server, a container).
It is imported when a chart is drawn: it takes longer to import than the rest of the drill, and
every run of the tests imports the drill.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from drill.loadgen import Sample

FAILED = "failed (5xx or no response)"
_PALETTE = ("#4C78A8", "#54A24B", "#B279A2", "#9D755D", "#72B7B2", "#EECA3B")


def per_second(samples: list[Sample], seconds: int) -> dict[str, list[int]]:
    """Counts per one-second bin: one series per version that answered, one for failures."""
    series: dict[str, list[int]] = {}
    for s in samples:
        label = FAILED if s.failed else (s.version or "no version header")
        counts = series.setdefault(label, [0] * seconds)
        counts[min(int(s.t), seconds - 1)] += 1
    return series


def render(report: dict[str, Any], samples: list[Sample], path: Path) -> None:
    seconds = max(1, math.ceil(max((s.t for s in samples), default=0.0) + 1e-9))
    series = per_second(samples, seconds)
    versions = [label for label in series if label != FAILED]
    import matplotlib  # noqa: PLC0415 (lazy on purpose: see the module docstring)

    # Before pyplot is imported: no display is needed, anywhere.
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415 (after the backend is chosen)

    figure, axes = plt.subplots(figsize=(12, 5), dpi=100)
    bottom = [0] * seconds
    x = list(range(seconds))
    for i, label in enumerate([*versions, FAILED] if FAILED in series else versions):
        color = "#E45756" if label == FAILED else _PALETTE[i % len(_PALETTE)]
        axes.bar(x, series[label], bottom=bottom, width=1.0, align="edge", color=color, label=label)
        bottom = [b + c for b, c in zip(bottom, series[label], strict=True)]
    top = max(bottom, default=1) * 1.25 + 1
    for marker in report["markers"]:
        for t, style, what in (
            (marker["started"], "--", "pulumi up"),
            (marker["ended"], "-", f"returned (exit {marker['returncode']})"),
        ):
            axes.axvline(t, color="black", linestyle=style, linewidth=1)
            axes.text(
                t, top * 0.97, f" {marker['name']}: {what}", rotation=90, va="top", fontsize=8
            )
    verdict = "PASSED" if report["passed"] else "FAILED"
    axes.set_title(
        f"release drill, stack {report['stack']} ({report['controller']}): {verdict}, "
        f"{report['failed_requests']} of {report['requests']} requests failed"
    )
    axes.set_xlabel("seconds since the load started")
    axes.set_ylabel("responses per second")
    axes.set_xlim(0, seconds)
    axes.set_ylim(0, top)
    axes.legend(loc="lower right", fontsize=8)
    if report["notes"]:
        figure.text(0.01, 0.01, "; ".join(report["notes"]), fontsize=8, color="dimgray")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, format="png")
    plt.close(figure)
