"""The Markdown the doc checks read: the README and docs/, their code and their links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
# An inline code span: a run of backticks, then anything up to the same run, within a paragraph.
_SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n\s*\n).)+?)(?<!`)\1(?!`)", re.DOTALL)
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def documents(root: Path = ROOT) -> list[tuple[Path, str]]:
    """The README and every page of docs/, with their text."""
    paths = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    return [(path, path.read_text()) for path in paths]


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _blank_fences(text: str) -> str:
    """The text with fenced blocks replaced by as many empty lines (offsets keep their lines)."""
    return _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def fenced_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(line of the first code line, code) for each fenced block."""
    for match in _FENCE.finditer(text):
        yield _line(text, match.start(2)), match.group(2)


def inline_spans(text: str) -> Iterator[tuple[int, str]]:
    """(line, code) for each inline code span outside fenced blocks; line breaks become spaces."""
    prose = _blank_fences(text)
    for match in _SPAN.finditer(prose):
        yield _line(prose, match.start()), " ".join(match.group(2).split())


def code_texts(text: str) -> Iterator[tuple[int, str]]:
    yield from fenced_blocks(text)
    yield from inline_spans(text)


def links(text: str) -> Iterator[tuple[int, str]]:
    """(line, target) of each Markdown link outside fenced blocks."""
    prose = _blank_fences(text)
    for match in _LINK.finditer(prose):
        yield _line(prose, match.start()), match.group(1)
