"""What makes a fresh clone's test run fast: the per-user copy of the built CLI
(scripts/engine). The order the suite's modules start in: tests/test_scheduling.py.

scripts/engine runs here in a throw-away project with its own cache folder: a fake `pulumi`
stands for the built CLI and a `go` that fails stands for a toolchain that must not be needed.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK = importlib.metadata.version("pulumi")
CLI_VERSION = "v3.274.0"
GEN_SDK = Path("tests/package_sdks/gen-sdk/main.go")


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


def _project(tmp_path: Path) -> Path:
    """A project with the real scripts/engine, a Python whose SDK is the pinned one, and a PATH
    on which `go` fails and no `pulumi` is found."""
    project = tmp_path / "clone"
    shutil.copy2(ROOT / "scripts" / "engine", _parent(project / "scripts" / "engine"))
    shutil.copy2(ROOT / GEN_SDK, _parent(project / GEN_SDK))
    _executable(project / ".venv" / "bin" / "python", f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    _executable(tmp_path / "path" / "go", "#!/bin/sh\necho 'go: no toolchain here' >&2\nexit 1\n")
    return project


def _parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _kept_build(cache: Path, sdk: str = SDK) -> Path:
    """The per-user copy a build on this machine left: the CLI, its tools and their stamps."""
    kept = cache / "ecs-blue-green" / "pulumi-cli" / sdk
    _executable(kept / "bin" / "pulumi", f"#!/bin/sh\necho {CLI_VERSION}\n")
    _executable(kept / "bin" / "pulumi-language-yaml", "#!/bin/sh\n")
    _executable(kept / "bin" / "pulumi-gen-sdk", "#!/bin/sh\n")
    _executable(
        kept / "bin" / "pulumi-resource-pulumi-python", "#!/bin/sh\nexec /elsewhere/python\n"
    )
    (kept / "VERSION").write_text(f"{CLI_VERSION}\n")
    (kept / "SDK_VERSION").write_text(f"{sdk}\n")
    (kept / "pulumi-language-yaml.stamp").write_text("v1.38.3\n")
    digest = hashlib.sha256((ROOT / GEN_SDK).read_bytes()).hexdigest()[:12]
    (kept / "pulumi-gen-sdk.stamp").write_text(f"{CLI_VERSION} {digest}\n")
    return kept


def _engine(project: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "HOME": str(cache.parent),
        "XDG_CACHE_HOME": str(cache),
        "PATH": os.pathsep.join([str(cache.parent / "path"), "/usr/bin", "/bin"]),
    }
    return subprocess.run(
        ["bash", str(project / "scripts" / "engine")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_fresh_clone_copies_the_build_kept_for_this_user(tmp_path: Path) -> None:
    project, cache = _project(tmp_path), tmp_path / "cache"
    _kept_build(cache)
    done = _engine(project, cache)
    assert done.returncode == 0, done.stderr
    bin_ = project / ".tools" / "pulumi" / "bin"
    assert done.stdout.splitlines()[-1] == str(bin_ / "pulumi")
    assert "copied from" in done.stderr
    assert {p.name for p in bin_.iterdir()} >= {"pulumi", "pulumi-language-yaml", "pulumi-gen-sdk"}
    # The shims run this clone's Python, not the one of the clone the build was made in.
    for shim in ("pulumi-resource-pulumi-python", "pulumi-analyzer-policy-python"):
        assert str(project / ".venv" / "bin" / "python") in (bin_ / shim).read_text(), shim
    # Copied, the tools need no build: a second run finds them in the clone itself.
    again = _engine(project, cache)
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""


def test_a_build_kept_for_another_sdk_is_not_used(tmp_path: Path) -> None:
    project, cache = _project(tmp_path), tmp_path / "cache"
    _kept_build(cache, sdk="3.1.0")
    done = _engine(project, cache)
    # Nothing usable is kept, so it would build: with no Go it says so and fails.
    assert done.returncode != 0
    assert "no pulumi pkg version near" in done.stderr, done.stderr
    assert "copied from" not in done.stderr
    assert not (project / ".tools" / "pulumi" / "bin" / "pulumi").exists()


def test_the_clones_own_build_for_another_sdk_is_built_again(tmp_path: Path) -> None:
    # After the lock moves the Python SDK, the CLI built for the old one is not reused.
    project, cache = _project(tmp_path), tmp_path / "cache"
    old = _kept_build(cache, sdk="3.1.0")
    shutil.copytree(old, project / ".tools" / "pulumi")
    done = _engine(project, cache)
    assert done.returncode != 0
    assert "no pulumi pkg version near" in done.stderr, done.stderr
