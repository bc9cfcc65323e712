"""Generated blocks in docs/ equal a fresh render of their source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from components import docs_tables
from components.docs_tables import BLOCKS, ROOT, current


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"{b.path}:{b.name}")
def test_block_equals_a_fresh_render(block: docs_tables.Block) -> None:
    text = (ROOT / block.path).read_text()
    assert current(text, block.name) == block.render(ROOT), (
        f"{block.path}: block {block.name} is stale: run `python -m components.docs_tables --write`"
    )


def test_config_table_has_one_row_per_declared_key() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    table = current((ROOT / "docs/configuration.md").read_text(), "config-keys")
    keys = [line.split("`")[1] for line in table.splitlines()[2:]]
    assert keys == list(declared)


def _copy(tmp_path: Path) -> Path:
    stacks = [path.name for path in ROOT.glob("Pulumi.*.yaml")]
    for name in ("Pulumi.yaml", *stacks, "docs/drill-example/report.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    for block in BLOCKS:
        (tmp_path / block.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / block.path, tmp_path / block.path)
    return tmp_path


def test_check_finds_a_changed_source_and_write_repairs_it(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    assert docs_tables.stale(root) == []
    stack = root / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("desiredCount: 2", "desiredCount: 3"))
    stack.write_text(
        stack.read_text().replace("terminationWaitMinutes: 5", "terminationWaitMinutes: 7")
    )
    project = root / "Pulumi.yaml"
    project.write_text(project.read_text().replace("default: 3000", "default: 8000"))
    assert docs_tables.stale(root) == [
        "docs/configuration.md: config-keys",
        "docs/releases.md: timeline",
    ]
    assert docs_tables.write(root) == [
        "docs/configuration.md: config-keys",
        "docs/releases.md: timeline",
    ]
    assert docs_tables.stale(root) == []
    assert "| `containerPort` | integer | `8000` |" in (root / "docs/configuration.md").read_text()
    assert "| rollback window (blue kept) | 7m00s |" in (root / "docs/releases.md").read_text()


def test_missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="no `<!-- generated: config-keys -->`"):
        current("# Configuration\n", "config-keys")
