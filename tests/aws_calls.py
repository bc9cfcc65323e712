"""Records the AWS calls our own code makes, as a pytest plugin: `-p tests.aws_calls
--record-aws-calls=FILE`.

Every botocore client created while the plugin is active gets a `provide-client-params`
handler: botocore emits that event for every operation before it builds the request, before
Stubber, moto or a `before-send` fake answers (botocore `client.py`, `_emit_api_params`). The
handler names the operation and who made it: the outermost frame of the call stack in a project
file outside `tests/` (`source_of`). Calls made by the tests themselves (moto set-up) carry no
source. At the end of the run the calls are written to FILE
as JSON; tests/platform/test_call_permissions.py runs the recording tests with this plugin and
evaluates every call against the role that makes it in production.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
NOT_PROJECT = frozenset({".venv", "venv", "site-packages", "node_modules", ".tools"})
#: botocore emits this for every operation, with the operation model, before any stub answers.
EVENT = "provide-client-params.*.*"
OPTION = "--record-aws-calls"
#: The source of a call no frame of `components/` made: the tests' own set-up.
UNATTRIBUTED = ""


def source_of(frame_files: list[str]) -> str:
    """The project file (relative, POSIX) of the outermost frame outside the tests, or ''.

    Outermost, because a Lambda entry point (the ECS hook) runs under its own role even when it
    calls the gate's functions; any project file, so that a new tool (`scripts/`, a stop tool)
    shows up and must be given a role."""
    for filename in reversed(frame_files):
        if filename.startswith("<"):
            continue  # frozen or generated code (`<frozen runpy>`), not a file
        path = Path(filename).resolve()
        if not path.is_relative_to(ROOT) or path.is_relative_to(TESTS):
            continue
        relative = path.relative_to(ROOT)
        # A virtualenv inside the checkout holds pytest and botocore: not project code.
        if not NOT_PROJECT & set(relative.parts):
            return relative.as_posix()
    return UNATTRIBUTED


class Recorder:
    """Counts (source file, botocore service, operation) triples over one pytest run."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str, str]] = Counter()

    def on_call(self, model: Any, **_: Any) -> None:
        frames = []
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            frames.append(frame.f_code.co_filename)
            frame = frame.f_back
        # `frames` runs innermost first: `source_of` wants outermost last.
        source = source_of(frames)
        self.calls[(source, model.service_model.service_name, model.name)] += 1

    def records(self) -> list[dict[str, Any]]:
        return [
            {"source": source, "service": service, "operation": operation, "count": count}
            for (source, service, operation), count in sorted(self.calls.items())
        ]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(OPTION, metavar="FILE", help="write the AWS calls the tests made to FILE")


def pytest_configure(config: pytest.Config) -> None:
    target = config.getoption(OPTION)
    if not target:
        return
    recorder = Recorder()
    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register(EVENT, recorder.on_call)
        return client

    botocore.session.Session.create_client = create_client
    config.stash[_KEY] = (recorder, Path(target), original)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _KEY not in config.stash:
        return
    recorder, target, original = config.stash[_KEY]
    botocore.session.Session.create_client = original
    target.write_text(json.dumps(recorder.records(), indent=1))


_KEY = pytest.StashKey[tuple[Recorder, Path, Any]]()
