"""Why the program reads its own stack's outputs once, before registering anything
(components/previous_run.py): while `pulumi up` runs, a reader of the stack's checkpoint on a
file backend meets a sidecar being rewritten in place, which the backend's read decodes first
("failed to load checkpoint: EOF").

One `up` of the dev stack: only with ENGINE_TIER=all.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.engine.support import CLI, FULL, up

pytestmark = pytest.mark.skipif(
    CLI is None or not FULL, reason="ENGINE_TIER=all (and a CLI: scripts/engine)"
)


def test_up_rewrites_the_checkpoint_sidecar_in_place(tmp_path: Path) -> None:
    state = tmp_path / "state"
    sidecar = state / ".pulumi" / "stacks" / "ecs-blue-green" / "dev.json.attrs"
    seen = {"reads": 0, "torn": 0}
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                text = sidecar.read_text()
            except FileNotFoundError:
                continue
            seen["reads"] += 1
            try:
                json.loads(text)
            except ValueError:
                seen["torn"] += 1  # what gocloud.dev's getAttrs fails on

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        result = up(state, "dev")
    finally:
        done.set()
        reader.join()
    assert result.code == 0, result.output
    assert seen["reads"] > 0
    assert seen["torn"] > 0, seen
