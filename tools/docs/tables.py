"""Tables in `docs/` that are generated from their source, so they cannot drift from it.

A generated block sits between `<!-- generated: NAME -->` and `<!-- end generated -->` in a
Markdown file; everything outside the markers is written by hand.

    python -m tools.docs.tables --write   # regenerate every block in place
    python -m tools.docs.tables --check   # exit 1 naming each stale block (the tests do this)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.docs.timeline import render_stack_file

ROOT = Path(__file__).resolve().parents[2]
END = "<!-- end generated -->"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _default(declaration: dict[str, Any]) -> str:
    value = declaration["default"]
    if value == "":
        return '""'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def config_keys(root: Path) -> str:
    """Every key `Pulumi.yaml` declares, in its order: type, default and description."""
    declared: dict[str, dict[str, Any]] = yaml.safe_load((root / "Pulumi.yaml").read_text())[
        "config"
    ]
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for key, declaration in declared.items():
        rows.append(
            f"| `{key}` | {declaration['type']} | {_default(declaration)} | "
            f"{_cell(declaration['description'])} |"
        )
    return "\n".join(rows)


def timeline(root: Path) -> str:
    """The release timeline of every shipped stack file (`tools.docs.timeline`)."""
    return "\n\n".join(render_stack_file(path) for path in sorted(root.glob("Pulumi.*.yaml")))


def drill_example(root: Path) -> str:
    """The README's example drill report (`python -m tests.drill.fake_stack docs/drill-example`)."""
    return "```\n" + (root / "docs/drill-example/report.txt").read_text().rstrip("\n") + "\n```"


@dataclass(frozen=True)
class Block:
    path: str
    """Markdown file, relative to the repository root."""
    name: str
    render: Callable[[Path], str]


BLOCKS: tuple[Block, ...] = (
    Block("docs/configuration.md", "config-keys", config_keys),
    Block("docs/releases.md", "timeline", timeline),
    Block("README.md", "drill-example", drill_example),
)


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- generated: {re.escape(name)} -->\n)(.*?)\n?{re.escape(END)}", re.DOTALL
    )


def current(text: str, name: str) -> str:
    """The block's text as the file holds it; ValueError when the markers are missing."""
    match = _pattern(name).search(text)
    if match is None:
        raise ValueError(f"no `<!-- generated: {name} -->` ... `{END}` block")
    return match.group(2).strip("\n")


def replace(text: str, name: str, content: str) -> str:
    current(text, name)  # raises when the markers are missing
    # Blank lines around the content keep a Markdown table from swallowing the end marker.
    return _pattern(name).sub(lambda m: f"{m.group(1)}\n{content}\n\n{END}", text, count=1)


def stale(root: Path = ROOT) -> list[str]:
    """`file: block` for every block that differs from a fresh render."""
    return [
        f"{block.path}: {block.name}"
        for block in BLOCKS
        if current((root / block.path).read_text(), block.name) != block.render(root)
    ]


def write(root: Path = ROOT) -> list[str]:
    """Regenerates every block; returns the ones that changed."""
    changed = stale(root)
    for block in BLOCKS:
        path = root / block.path
        path.write_text(replace(path.read_text(), block.name, block.render(root)))
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.docs.tables", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate every block in place")
    mode.add_argument("--check", action="store_true", help="exit 1 if any block is stale")
    options = parser.parse_args(argv)
    if options.write:
        for name in write():
            print(f"updated {name}")
        return 0
    outdated = stale()
    for name in outdated:
        print(f"stale: {name} (run `python -m tools.docs.tables --write`)", file=sys.stderr)
    return 1 if outdated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
