"""Generated blocks in docs/ equal a fresh render of their source."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
import yaml

from tools.docs import tables as docs_tables
from tools.docs.tables import BLOCKS, ROOT, current


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"{b.path}:{b.name}")
def test_block_equals_a_fresh_render(block: docs_tables.Block) -> None:
    text = (ROOT / block.path).read_text()
    assert current(text, block.name) == block.render(ROOT), (
        f"{block.path}: block {block.name} is stale: run `python -m tools.docs.tables --write`"
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
        "docs/releases.md: time-budget",
    ]
    assert docs_tables.write(root) == [
        "docs/configuration.md: config-keys",
        "docs/releases.md: timeline",
        "docs/releases.md: time-budget",
    ]
    assert docs_tables.stale(root) == []
    assert "| `containerPort` | integer | `8000` |" in (root / "docs/configuration.md").read_text()
    releases = (root / "docs/releases.md").read_text()
    assert "| rollback window (blue kept) | 7m00s |" in releases
    assert "dev: 0 + 0 + 7 + 15 + 5 = 27 min" in releases


def test_missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="no `<!-- generated: config-keys -->`"):
        current("# Configuration\n", "config-keys")


def test_the_product_does_not_import_docs_tooling() -> None:
    """What the package ships (the program, components/, the pack, the platform) runs without
    `tools/`: docs tooling may read the product, never the other way round."""
    shipped = [ROOT / "__main__.py", *(ROOT / "components").rglob("*.py")]
    shipped += [*(ROOT / "policies").rglob("*.py"), *(ROOT / "platform").rglob("*.py")]
    importers = [
        str(path.relative_to(ROOT))
        for path in shipped
        if "venv" not in path.parts and _imports_tools(path.read_text())
    ]
    assert importers == []


def _imports_tools(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            continue
        if any(module.split(".")[0] == "tools" for module in modules):
            return True
    return False


def test_the_import_check_sees_an_import_of_tools() -> None:
    assert _imports_tools("from tools.docs.timeline import release_timeline\n")
    assert _imports_tools("import tools.docs.cost\n")
    assert not _imports_tools("from components.args import BlueGreenServiceArgs\n")
