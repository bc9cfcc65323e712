"""The real Pulumi CLI for the drill's offline runs, where it can be had: `offline.run` (the
CLI with the modelled providers, a local backend and the local CodeDeploy endpoint) on a work
copy of the project whose stack file `pulumi config set` writes to, as in a checkout.

A release with `failHealthCheck` on fails at its test hooks (`OFFLINE_RELEASE_FAILS`, see
offline/endpoint.py), as the test gate stops the broken version in AWS; the modelled load
balancer serves no traffic, so the drill's load is not part of these runs.

    python -m tests.drill.offline_pulumi WORK STATE -- <pulumi arguments>
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

from drill.orchestrate import FAULT_KEY, PROJECT
from offline import run


def faulty(work: Path, stack: str) -> bool:
    """Whether the stack's config (as `pulumi config set` left it) turns the fault on."""
    path = work / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return False
    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    return str(config.get(f"{PROJECT}:{FAULT_KEY}", "")).lower() == "true"


def main(argv: list[str]) -> int:
    work, state, *rest = argv
    args = [a for a in rest if a != "--"]
    stack = run.stack_of(args) or "dev"
    if args[:1] == ["up"] and faulty(Path(work), stack):
        os.environ["OFFLINE_RELEASE_FAILS"] = "1"
    os.environ.setdefault("OFFLINE_TIME_FACTOR", "300")
    return run.main(["--project", work, "--state", state, "--", *args])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
