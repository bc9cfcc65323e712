"""`scripts/mutants`: plants each mutant of a checked-in list in a throw-away copy of the project,
runs its tests there, and prints which were caught, which survived, and the score.

A mutant is one small, realistic bug (file, original snippet, replacement), written down with
the tests expected to catch it (`tests/mutants.toml`). The list is ours, not generated: it holds
the bugs we could make in the release engine, the gate, the policy pack, validation and the IAM
documents, and every gap a sampling found, so that a test deleted or weakened later shows up as
a survivor.

Why not a mutation tool: mutmut 3.8.1 and cosmic-ray 8.7.0 both generate every mutant an
operator can make (about 1,000 and 750 for the release engine's releaser.py alone, most in log
messages) and offer no way to run a given list. mutmut runs the suite in its own process
through trampolines and needed every top-level folder declared to copy, four minutes of
coverage collection, and then stopped on a test that passes under pytest; cosmic-ray mutates
the working tree in place and starts one test process per mutant: at about ten seconds per run
on two cores, hours per module.

Each worker owns a copy (the files git tracks or would track, with `.venv` and `node_modules`
linked, not copied); a mutant is written into it, its tests run with `pytest -x`, and the file
is restored. Bytecode is never written in the copy, so a mutant of the same size written in the
same second as the original cannot be hidden by a stale `.pyc`.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "tests" / "mutants.toml"
#: Linked into each copy instead of copied: installed, git-ignored, large.
LINKED = (".venv", "node_modules")
#: pytest's exit statuses that mean the tests ran and found the mutant (failed, or could not
#: even be collected); any other non-zero status is a fault of the run, not a verdict.
CAUGHT_STATUSES = (1, 2)
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


class MutantsError(Exception):
    """The list or the run is broken: no verdict can be trusted."""


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    """Path from the project root."""
    original: str
    """Must occur exactly once in `file`."""
    replacement: str
    bug: str
    """The bug a user would meet, in a few words."""
    tests: tuple[str, ...] = ("tests",)
    """pytest arguments selecting the tests that should catch it. Default: the whole suite."""

    def line(self, root: Path) -> int:
        text = (root / self.file).read_text()
        return text[: text.index(self.original)].count("\n") + 1

    def problem(self, root: Path) -> str | None:
        """Why this mutant cannot be planted in `root` (None when it can)."""
        path = root / self.file
        if not path.is_file():
            return f"{self.id}: {self.file} does not exist"
        found = path.read_text().count(self.original)
        if found != 1:
            return (
                f"{self.id}: its original snippet occurs {found} times in {self.file} (must be "
                "once); update tests/mutants.toml to the code as it is now"
            )
        if self.original == self.replacement:
            return f"{self.id}: replacement equals original"
        missing = [t for t in self.tests if not (root / t.split("::")[0]).exists()]
        if missing:
            return f"{self.id}: tests {missing} do not exist"
        return None


@dataclass(frozen=True)
class Verdict:
    mutant: Mutant
    caught: bool
    by: str
    """The first test that failed, `timeout`, or `-` for a survivor."""


def load(path: Path = LIST) -> list[Mutant]:
    """The mutants of a list file; refuses unknown keys and duplicate ids."""
    data = tomllib.loads(path.read_text())
    mutants: list[Mutant] = []
    fields = set(Mutant.__dataclass_fields__)
    for entry in data.get("mutant", []):
        unknown = set(entry) - fields
        if unknown:
            raise MutantsError(
                f"{path}: mutant {entry.get('id')!r}: unknown keys {sorted(unknown)}"
            )
        tests = tuple(entry.pop("tests", ("tests",)))
        mutants.append(Mutant(**entry, tests=tests))
    ids = [m.id for m in mutants]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise MutantsError(f"{path}: duplicate mutant ids {duplicates}")
    return mutants


def _tracked(root: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return [name for name in listed.decode().split("\0") if name]


def _linked(root: Path) -> Iterator[Path]:
    """The installed folders to link into a copy, found where the project keeps them."""
    for folder, dirs, _ in os.walk(root):
        for name in list(dirs):
            if name in LINKED:
                dirs.remove(name)
                yield Path(folder, name).relative_to(root)
            elif name in (".git", "__pycache__"):
                dirs.remove(name)


@contextmanager
def project_copy(root: Path) -> Iterator[Path]:
    """A throw-away copy of the project at `root` (uncommitted changes included)."""
    with tempfile.TemporaryDirectory(prefix="mutants-") as folder:
        copy = Path(folder)
        for name in _tracked(root):
            source = root / name
            if source.is_file():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy / name)
        for link in _linked(root):
            (copy / link).parent.mkdir(parents=True, exist_ok=True)
            (copy / link).symlink_to((root / link).resolve(), target_is_directory=True)
        yield copy


def _pytest(copy: Path, tests: Sequence[str], timeout: float) -> tuple[int | None, str]:
    """(pytest's exit status or None on timeout, its output) for `tests` run in `copy`."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:xdist"]
    command += ["-p", "no:cacheprovider", *tests]
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
    try:
        run = subprocess.run(
            command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return None, ""
    return run.returncode, run.stdout + run.stderr


def _try(mutant: Mutant, copy: Path, tests: Sequence[str], timeout: float) -> Verdict:
    path = copy / mutant.file
    original = path.read_text()
    path.write_text(original.replace(mutant.original, mutant.replacement, 1))
    try:
        status, output = _pytest(copy, tests, timeout)
    finally:
        path.write_text(original)
    if status is None:
        return Verdict(mutant, True, "timeout")
    if status == 0:
        return Verdict(mutant, False, "-")
    if status not in CAUGHT_STATUSES:
        raise MutantsError(f"{mutant.id}: pytest exited {status}:\n{output[-2000:]}")
    found = _FAILED.search(output)
    return Verdict(mutant, True, found.group(1) if found else f"pytest exit {status}")


def run(
    mutants: Sequence[Mutant],
    *,
    root: Path = ROOT,
    suite: bool = False,
    jobs: int = 1,
    timeout: float = 600.0,
    report: bool = True,
) -> list[Verdict]:
    """Plants each mutant alone in a copy of `root` and runs its tests (all of them with
    `suite`); refuses to start when a mutant cannot be planted or the tests fail unmutated."""
    problems = [p for m in mutants if (p := m.problem(root))]
    if problems:
        raise MutantsError("\n".join(problems))

    def tests_of(mutant: Mutant) -> tuple[str, ...]:
        return ("tests",) if suite else mutant.tests

    with _copies(root, max(1, min(jobs, len(mutants)))) as copies:
        baseline = sorted({t for m in mutants for t in tests_of(m)})
        first = copies.get()
        status, output = _pytest(first, baseline, timeout)
        copies.put(first)
        if status != 0:
            raise MutantsError(
                f"the tests fail without any mutant (pytest exit {status}); fix them first:\n"
                f"{output[-2000:]}"
            )

        def one(mutant: Mutant) -> Verdict:
            copy = copies.get()
            try:
                verdict = _try(mutant, copy, tests_of(mutant), timeout)
            finally:
                copies.put(copy)
            if report:
                where = f"{mutant.file}:{mutant.line(root)}"
                word = "caught  " if verdict.caught else "SURVIVED"
                print(f"{word} {mutant.id:<44} {where:<56} {verdict.by}", flush=True)
            return verdict

        with ThreadPoolExecutor(max_workers=copies.qsize()) as pool:
            return list(pool.map(one, mutants))


@contextmanager
def _copies(root: Path, count: int) -> Iterator[queue.Queue[Path]]:
    """`count` copies of `root`, handed out one per running mutant."""
    pool: queue.Queue[Path] = queue.Queue()
    with ExitStack() as stack:
        for _ in range(count):
            pool.put(stack.enter_context(project_copy(root)))
        yield pool


def changed_files(ref: str, root: Path = ROOT) -> set[str]:
    """Files that differ from `ref` in the working tree, plus new untracked ones."""
    diff = subprocess.run(
        ["git", "diff", "--name-only", ref], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    new = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return set(diff) | set(new)


def select(
    mutants: Sequence[Mutant],
    *,
    files: Sequence[str] = (),
    ids: Sequence[str] = (),
    changed: set[str] | None = None,
) -> list[Mutant]:
    chosen = list(mutants)
    if files:
        chosen = [m for m in chosen if any(fnmatch(m.file, f) for f in files)]
    if ids:
        chosen = [m for m in chosen if any(fnmatch(m.id, i) for i in ids)]
    if changed is not None:
        chosen = [m for m in chosen if m.file in changed]
    return chosen


def score(verdicts: Sequence[Verdict]) -> str:
    caught = sum(v.caught for v in verdicts)
    total = len(verdicts)
    percent = f"{100 * caught / total:.0f} %" if total else "-"
    return f"score: {caught}/{total} caught ({percent})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/mutants",
        description="Plants each mutant of a list (file, original snippet, replacement) alone in "
        "a throw-away copy of the project, runs the tests named for it, prints caught or "
        "SURVIVED per mutant and the score. Exit status: 0 all caught, 1 a mutant survived, "
        "2 the list or the run is broken (a stale snippet, tests failing without a mutant).",
    )
    parser.add_argument("--list", type=Path, default=LIST, help="the mutant list (%(default)s)")
    parser.add_argument(
        "--changed",
        metavar="REF",
        help="only mutants of files that differ from REF (e.g. main): the modules a change touches",
    )
    parser.add_argument("--file", action="append", default=[], help="only these files (globs)")
    parser.add_argument("--id", action="append", default=[], help="only these ids (globs)")
    parser.add_argument(
        "--suite", action="store_true", help="run the whole suite per mutant, not its tests"
    )
    parser.add_argument("--jobs", "-j", type=int, default=1, help="copies run at once (1)")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per test run; longer is caught"
    )
    parser.add_argument("--dry-run", action="store_true", help="list the selected mutants only")
    args = parser.parse_args(argv)
    try:
        mutants = select(
            load(args.list),
            files=args.file,
            ids=args.id,
            changed=changed_files(args.changed) if args.changed else None,
        )
        if args.dry_run or not mutants:
            for mutant in mutants:
                print(f"{mutant.id:<44} {mutant.file}  ({mutant.bug})")
            print(f"{len(mutants)} mutants selected")
            return 0
        print(f"{len(mutants)} mutants, {args.jobs} at a time", flush=True)
        verdicts = run(mutants, suite=args.suite, jobs=args.jobs, timeout=args.timeout)
    except MutantsError as error:
        print(f"scripts/mutants: {error}", file=sys.stderr)
        return 2
    print(score(verdicts))
    survivors = [v.mutant for v in verdicts if not v.caught]
    for mutant in survivors:
        print(f"  survived: {mutant.id}: {mutant.bug}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
