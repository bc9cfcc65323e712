"""A stack for the drill's offline runs: the fake `pulumi` on PATH and a local service that
answers with whatever version the fake's last successful `up` released.

`python -m tests.drill.fake_stack docs/drill-example` writes the README's example report.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from drill import chart, report
from drill.orchestrate import Drill, Options, Outcome

FAKE = Path(__file__).resolve().parent / "fake_pulumi.py"
ROOT = Path(__file__).resolve().parents[2]
OFFLINE_NOTE = (
    "OFFLINE EXAMPLE: a fake `pulumi` (tests/drill/fake_pulumi.py) and a local service, not AWS"
)


@dataclass
class FakeStack:
    folder: Path
    state: Path
    executable: Path

    def read(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.state.read_text())
        return result

    def options(self, **overrides: Any) -> Options:
        settings: dict[str, Any] = {
            "stack": "dev",
            "out": self.folder / "out",
            "cwd": ROOT,
            "rate": 20.0,
            "settle_seconds": 0.1,
            "timeout_minutes": 1.0,
            "pulumi": str(self.executable),
            "cancel_grace_seconds": 2.0,
        }
        return Options(**(settings | overrides))


@contextmanager
def fake_stack(
    folder: Path,
    *,
    scenario: str = "good",
    config: dict[str, str] | None = None,
    up_seconds: float = 0.15,
    exists: bool = True,
) -> Iterator[FakeStack]:
    state = folder / "state.json"
    served = Path(f"{state}.served")
    served.write_text("src-0123456789ab")

    class Service(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            body = b"Hello World!"
            self.send_response(200)
            self.send_header("X-App-Version", served.read_text())
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    state.write_text(
        json.dumps(
            {
                "scenario": scenario,
                "stacks": ["dev"] if exists else [],
                "config": {"aws:region": "eu-west-1", **(config or {})},
                "url": f"http://127.0.0.1:{server.server_address[1]}",
                "calls": [],
                "log": [],
            }
        )
    )
    executable = folder / "pulumi"
    executable.write_text(
        f'#!/bin/sh\nFAKE_PULUMI_STATE="{state}" FAKE_PULUMI_UP_SECONDS={up_seconds} '
        f'exec "{sys.executable}" "{FAKE}" "$@"\n'
    )
    executable.chmod(0o755)
    try:
        yield FakeStack(folder, state, executable)
    finally:
        server.shutdown()
        server.server_close()


def write_report(outcome: Outcome, out: Path, *, note: str | None = None) -> dict[str, Any]:
    result = report.build(outcome)
    if note:
        result["notes"].insert(0, note)
    report.write(result, outcome.samples, out)
    chart.render(result, outcome.samples, out / "chart.png")
    return result


def main(out: Path) -> None:
    """The README's example: a whole drill against the fake, at the real default rate."""
    with tempfile.TemporaryDirectory() as tmp, fake_stack(Path(tmp), up_seconds=6.0) as stack:
        options = stack.options(out=Path(tmp) / "out", rate=20.0, settle_seconds=3.0)
        outcome = Drill(options).run()
        out.mkdir(parents=True, exist_ok=True)
        result = write_report(outcome, out, note=OFFLINE_NOTE)
        (out / "responses.csv").unlink()
        print(report.render_text(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
