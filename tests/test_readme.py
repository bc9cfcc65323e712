"""The README is a front page: short, and no copy of what docs/ says."""

from __future__ import annotations

import re

from tests.harness import ROOT

README = (ROOT / "README.md").read_text()


def _paragraphs(text: str) -> set[str]:
    """Prose paragraphs and table rows of some length, whitespace-normalised."""
    blocks = {" ".join(block.split()) for block in re.split(r"\n\s*\n", text)}
    rows = {" ".join(line.split()) for line in text.splitlines() if line.startswith("| ")}
    return {b for b in blocks | rows if len(b) > 80 and not b.startswith(("```", "<!--"))}


def test_readme_is_a_front_page() -> None:
    assert len(README.splitlines()) <= 200


def test_no_readme_paragraph_is_repeated_in_docs() -> None:
    docs = set().union(*(_paragraphs(p.read_text()) for p in (ROOT / "docs").glob("*.md")))
    assert _paragraphs(README) & docs == set()


def test_the_check_sees_a_copied_paragraph() -> None:
    """The duplication check has teeth: a docs paragraph pasted into the README is found."""
    service = (ROOT / "docs/service.md").read_text()
    copied = next(p for p in re.split(r"\n\s*\n", service) if len(p) > 200)
    assert _paragraphs(README + "\n\n" + copied) & _paragraphs(service)


PROOF = re.compile(
    r"Proved by .*?`tests/[\w/]+\.py::\w+`|proved only by the drill in a real account"
)


def _promises(text: str) -> list[str]:
    """The bullets of the README's promises section, whitespace-normalised."""
    section = text.split("## Promises and what proves them", 1)[1].split("\n## ", 1)[0]
    bullets = re.split(r"\n- ", section)[1:]
    return [" ".join(bullet.split("\n\n", 1)[0].split()) for bullet in bullets]


def _unproved(text: str) -> list[str]:
    return [p for p in _promises(text) if not p.startswith("**") or not PROOF.search(p)]


def test_every_front_page_promise_names_its_proof() -> None:
    """Each promise names tests (tests/test_docs_truth.py checks that they exist) or says that
    only the drill in a real account proves it."""
    assert len(_promises(README)) >= 6
    assert _unproved(README) == []


def test_the_check_sees_a_promise_without_proof() -> None:
    promise = "- **Releases are instant.** Everyone agrees.\n"
    text = README.replace(
        "## Promises and what proves them\n", f"## Promises and what proves them\n\n{promise}"
    )
    assert _unproved(text) == ["**Releases are instant.** Everyone agrees."]
