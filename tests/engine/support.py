"""Runs the real Pulumi CLI through `offline.run` for the engine tier, one backend per test run.

Every call is a subprocess: the program host runs the Pulumi program in its own process, as
`pulumi-language-python` would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline.run import engine

ROOT = Path(__file__).resolve().parents[2]
CLI = engine(ROOT)
#: ENGINE_TIER=1: the tier scripts/test runs, in the same pytest run as the other tests (its
#: modules first: tests/conftest.py); ENGINE_TIER=all adds the component package deployed
#: through the engine (tests/test_package_engine.py, 1-2 min more), the whole change matrix
#: re-derived (tests/engine/test_matrix.py, 7-10 min), the checkpoint race's cause
#: (tests/engine/test_checkpoint.py) and the drill's commands on the real CLI
#: (tests/drill/test_real_cli.py), about a minute each.
ENABLED = os.environ.get("ENGINE_TIER") in ("1", "all")
FULL = os.environ.get("ENGINE_TIER") == "all"
SKIP_REASON = (
    "no Pulumi CLI: scripts/engine builds one (Go and the module proxy needed)"
    if CLI is None
    else "the engine tier runs on its own: ENGINE_TIER=1 pytest tests/engine (scripts/test does)"
)


@dataclass(frozen=True)
class Result:
    code: int
    output: str

    def events(self) -> list[dict[str, Any]]:
        """The engine events of `up`/`destroy --skip-preview --json`, one JSON object a line."""
        return [json.loads(line) for line in self.output.splitlines() if line.startswith("{")]


def pulumi(
    state: Path,
    *args: str,
    project: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> Result:
    """`pulumi ARGS` on `project` with its local backend in `state`."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "offline.run",
            "--project",
            str(project),
            "--state",
            str(state),
            "--",
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, "OFFLINE_TIME_FACTOR": "300", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout + done.stderr)


def up(
    state: Path,
    stack: str,
    *args: str,
    project: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Result:
    """`pulumi up --yes --skip-preview` of STACK (tests read the plan from `--json` events)."""
    return pulumi(
        state, "up", "--stack", stack, "--yes", "--skip-preview", *args, project=project, env=env
    )


def steps(state: Path, *args: str, project: Path = ROOT) -> dict[str, dict[str, Any]]:
    """`pulumi preview --json`'s steps by URN: op (same, update, replace, create, delete, ...),
    and the keys the provider reported as changed and as replacing."""
    result = pulumi(state, "preview", "--json", *args, project=project)
    if result.code != 0:
        raise AssertionError(result.output)
    document, _ = json.JSONDecoder().raw_decode(result.output[result.output.index("{") :])
    return {step["urn"]: step for step in document.get("steps", [])}


def document(result: Result) -> Any:
    """The JSON document a command printed (after any line of its own before it)."""
    return json.JSONDecoder().raw_decode(result.output[result.output.index("{") :])[0]


def operations(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(op, URN) of each step the engine started, in order (a step starts only once the steps
    it waits for are done)."""
    found = []
    for event in events:
        pre = event.get("resourcePreEvent")
        if pre:
            metadata = pre["metadata"]
            found.append((metadata["op"], metadata["urn"]))
    return found


def type_of(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", 1)[-1]


def by_op(found: list[tuple[str, str]]) -> dict[str, set[str]]:
    """Op -> the types of the resources it was applied to, unchanged ones left out."""
    grouped: dict[str, set[str]] = {}
    for op, urn in found:
        if op != "same":
            grouped.setdefault(op, set()).add(type_of(urn))
    return grouped
