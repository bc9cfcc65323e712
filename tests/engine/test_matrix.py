"""Every row of the change matrix re-derived from the real engine, compared with the checked-in
verdicts (tests/engine/matrix.json) that the default suite holds the mocks to.

One preview per row and one `up` per ten rows: minutes, so only with ENGINE_TIER=all.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest

from tests.engine.matrix import ENGINE_FILE, REGENERATE, derive_all, load, stale
from tests.engine.support import CLI, FULL

pytestmark = pytest.mark.skipif(
    CLI is None or not FULL,
    reason="the whole matrix on the engine runs with ENGINE_TIER=all (and a CLI: scripts/engine)",
)


def test_the_checked_in_verdicts_are_the_engines() -> None:
    assert stale() == [], f"run `{REGENERATE}`"
    recorded = {key: asdict(row) for key, row in load().items()}
    derived = {row.key: asdict(row) for row in derive_all()}
    differ = {key: (recorded[key], row) for key, row in derived.items() if recorded[key] != row}
    assert differ == {}, f"{ENGINE_FILE.name} is not what the engine says: run `{REGENERATE}`"
