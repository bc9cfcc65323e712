"""`scripts/mutants` itself, on a toy project (the real list takes minutes: it is not part of the
default test command), and the real list's fit to the code as it is now."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.mutation import ROOT, Mutant, MutantsError, load, run, score, select

CALC = "def add(a, b):\n    return a + b\n"
TEST = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    (tmp_path / "calc.py").write_text(CALC)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text(TEST)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def _mutant(id: str, original: str, replacement: str) -> Mutant:
    return Mutant(id, "calc.py", original, replacement, "toy", ("tests/test_calc.py",))


def test_a_real_bug_is_caught_and_a_no_op_survives(toy: Path) -> None:
    minus = _mutant("minus", "a + b", "a - b")
    swapped = _mutant("swapped", "a + b", "b + a")  # the same sum: no test can catch it

    verdicts = run([minus, swapped], root=toy, report=False)

    assert [(v.mutant.id, v.caught) for v in verdicts] == [("minus", True), ("swapped", False)]
    assert verdicts[0].by == "tests/test_calc.py::test_add"
    assert score(verdicts) == "score: 1/2 caught (50 %)"
    assert (toy / "calc.py").read_text() == CALC, "the project itself is never mutated"


def test_a_stale_snippet_is_refused_before_anything_runs(toy: Path) -> None:
    with pytest.raises(MutantsError, match=r"occurs 0 times in calc\.py"):
        run([_mutant("gone", "a * b", "a / b")], root=toy, report=False)


def test_tests_failing_without_a_mutant_stop_the_run(toy: Path) -> None:
    (toy / "calc.py").write_text(CALC.replace("a + b", "a - b"))

    with pytest.raises(MutantsError, match="the tests fail without any mutant"):
        run([_mutant("minus", "a - b", "a * b")], root=toy, report=False)


def test_every_mutant_of_the_list_fits_the_code_as_it_is() -> None:
    mutants = load()
    problems = [p for m in mutants if (p := m.problem(ROOT))]
    assert problems == []
    # The six gaps of issue 24 stay in the list.
    assert len(select(mutants, ids=["engine-continue-*", "engine-create-*", "group-before-*"])) == 3
    assert {m.file.split("/")[0] for m in mutants} >= {"components", "policies", "platform"}
