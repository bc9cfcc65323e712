"""requirements-dev.lock is what scripts/setup installs: it must satisfy every range in the
requirements files (scripts/lock rewrites it after an edit) and pin every file by hash."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-dev.lock"
COMPILE_FLAGS = "--universal --python-version 3.11 --generate-hashes"


def ranges(path: Path) -> list[Requirement]:
    """The requirements of ``path`` and of the files it includes with ``-r``."""
    found: list[Requirement] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += ranges(path.parent / line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


def pins(text: str) -> dict[str, tuple[Version, int]]:
    """Package -> (pinned version, number of hashes) of a lock written by `uv pip compile`."""
    found: dict[str, tuple[Version, int]] = {}
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)", block)
        if match:
            name = canonicalize_name(match[1])
            found[name] = (Version(match[2]), block.count("--hash=sha256:"))
    return found


def unlocked(requirements: list[Requirement], locked: dict[str, tuple[Version, int]]) -> list[str]:
    """Requirements the lock misses or pins outside their range."""
    problems = []
    for requirement in requirements:
        pin = locked.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement.name} is not in the lock")
        elif not requirement.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{requirement.name}=={pin[0]} is outside {requirement.specifier}")
    return problems


def test_lock_satisfies_every_requirement_file() -> None:
    requirements = ranges(ROOT / "requirements-dev.txt")
    names = {canonicalize_name(r.name) for r in requirements}
    assert {"pulumi", "pulumi-aws", "pulumi-policy", "pulumi-pulumiservice", "pytest"} <= names
    assert unlocked(requirements, pins(LOCK.read_text())) == [], "run scripts/lock"


def test_every_locked_package_is_pinned_by_hash() -> None:
    locked = pins(LOCK.read_text())
    assert len(locked) > 50
    assert [name for name, (_, hashes) in locked.items() if hashes == 0] == []


def test_the_check_finds_a_stale_lock() -> None:
    """The check has teeth: a range the lock no longer meets, or a new package, is reported."""
    locked = pins(LOCK.read_text())
    pulumi = locked["pulumi"][0]
    stale = [Requirement(f"pulumi>{pulumi}"), Requirement("not-a-locked-package>=1")]
    assert unlocked(stale, locked) == [
        f"pulumi=={pulumi} is outside >{pulumi}",
        "not-a-locked-package is not in the lock",
    ]


def test_setup_and_scripts_lock_agree_on_the_lock() -> None:
    """scripts/lock compiles with the flags recorded in the lock's header; setup installs it."""
    assert COMPILE_FLAGS in LOCK.read_text().splitlines()[1]
    assert COMPILE_FLAGS in (ROOT / "scripts/lock").read_text()
    setup = (ROOT / "scripts/setup").read_text()
    assert "LOCK=requirements-dev.lock" in setup
    assert "--require-hashes" in setup  # the pip fallback checks the hashes too
