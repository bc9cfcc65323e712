"""Records the AWS calls our own code makes in its tests: a pytest plugin every run loads
(tests/conftest.py registers `CallRecording`).

Every botocore client created during the run gets a `provide-client-params` handler: botocore
emits that event for every operation before it builds the request, before Stubber, moto or a
`before-send` fake answers (botocore `client.py`, `_emit_api_params`). The handler names the
operation and who made it: the outermost frame of the call stack in a project file outside
`tests/` (`source_of`). Calls made by the tests themselves (moto set-up) carry no source.

Only calls made while a recording module's test runs count (`recording_modules`: the modules
that drive our AWS-calling code with botocore clients), with each of those tests' outcome.
tests/platform/test_call_permissions.py evaluates the calls against the role that makes each in
production. It takes them from its own process when every recording test ran there before it:
scripts/test's workers take the recording modules and that check as one unit (`GROUP`,
tests/conftest.py), and a serial run orders them so. Otherwise, as when that module runs alone,
it runs the recording modules in a subprocess with `RECORD_AWS_CALLS=FILE`, and this plugin
writes what it saw there to FILE.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Generator, Iterable
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
#: Where a run started for the recording alone writes what it saw (JSON).
TARGET_VARIABLE = "RECORD_AWS_CALLS"
#: The source of a call no frame of `components/` made: the tests' own set-up.
UNATTRIBUTED = ""
#: The module that evaluates the recorded calls: it runs after the recording modules.
CHECK = TESTS / "platform" / "test_call_permissions.py"
#: The scheduling unit of the recording modules and CHECK under `--dist loadfile`.
GROUP = "aws-calls"

#: A module records when it drives one of these with botocore clients.
_DRIVES_COMPONENT = re.compile(
    r"components[./](release[./](codedeploy|ecs)|lambdas)|fake_codedeploy|test_traffic_gate_handlers"
)
_USES_BOTOCORE = re.compile(r"\b(Stubber|mock_aws|botocore|boto3|fake_codedeploy)\b")


def recording_modules(tests: Path = TESTS) -> frozenset[Path]:
    """Test modules that drive our AWS-calling code with botocore clients (platform and
    policy-pack tests call no AWS)."""
    found = set()
    for path in tests.rglob("test_*.py"):
        if {"platform", "policies"} & set(path.relative_to(tests).parts):
            continue
        text = path.read_text()
        if _DRIVES_COMPONENT.search(text) and _USES_BOTOCORE.search(text):
            found.add(path)
    return frozenset(found)


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


class CallRecording:
    """Counts (source file, botocore service, operation) over the recording modules' tests,
    and keeps which of those tests ran in this process and which failed."""

    def __init__(self, modules: frozenset[Path]) -> None:
        self.modules = modules
        self.calls: Counter[tuple[str, str, str]] = Counter()
        self.ran: set[str] = set()
        self.failures: list[str] = []
        self._module: Path | None = None
        self._original = botocore.session.Session.create_client

    def on_call(self, model: Any, **_: Any) -> None:
        if self._module not in self.modules:
            return
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

    def covers(self, items: Iterable[pytest.Item]) -> bool:
        """Whether this run collected every recording module and ran all their tests in this
        process."""
        mine = [item for item in items if item.path in self.modules]
        collected = {item.path for item in mine}
        return collected == self.modules and all(item.nodeid in self.ran for item in mine)

    def pytest_configure(self, config: pytest.Config) -> None:
        recording = self
        original = self._original

        def create_client(session: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register(EVENT, recording.on_call)
            return client

        botocore.session.Session.create_client = create_client

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self._module = item.path
        try:
            return (yield)
        finally:
            self._module = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if ROOT / report.fspath not in self.modules:
            return
        if report.when == "call" or report.skipped or report.failed:
            self.ran.add(report.nodeid)
        if report.failed:
            self.failures.append(f"{report.nodeid} ({report.when}):\n{report.longreprtext}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        botocore.session.Session.create_client = self._original
        target = os.environ.get(TARGET_VARIABLE)
        if target:
            Path(target).write_text(
                json.dumps({"records": self.records(), "failures": self.failures}, indent=1)
            )


KEY = pytest.StashKey[CallRecording]()
