"""How the suite's modules are ordered and shared out (tests/conftest.py), and what the call
recording keeps (tests/aws_calls.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from tests.aws_calls import CHECK, GROUP, ROOT, CallRecording
from tests.conftest import RECORDING, _RecordingGroupScheduling, pytest_collection_modifyitems

RECORDED = sorted(RECORDING)
SHORT = ROOT / "tests" / "test_validation.py"
LONG = ROOT / "tests" / "test_change_matrix.py"


@dataclass
class _Item:
    path: Path
    long: bool = False
    name: str = "test"

    @property
    def nodeid(self) -> str:
        return f"{self.path.relative_to(ROOT)}::{self.name}"

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "long" and self.long else None


def test_there_are_recording_modules_and_the_check_is_not_one_of_them() -> None:
    assert len(RECORDING) >= 5
    assert ROOT / "tests" / "test_codedeploy_deployment.py" in RECORDING
    assert CHECK not in RECORDING
    assert CHECK.is_file()


def test_long_and_recording_modules_start_first_and_the_check_right_after_them() -> None:
    items = [
        _Item(SHORT),
        _Item(CHECK, long=True),
        _Item(RECORDED[1]),
        _Item(LONG, long=True),
        _Item(RECORDED[0]),
        _Item(SHORT, name="other"),
    ]
    pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [(i.path, i.name) for i in items] == [
        (RECORDED[1], "test"),
        (LONG, "test"),
        (RECORDED[0], "test"),
        (CHECK, "test"),
        (SHORT, "test"),
        (SHORT, "other"),
    ]


def test_the_recording_modules_and_their_check_are_one_unit_of_work() -> None:
    scheduling = object.__new__(_RecordingGroupScheduling)
    units = {scheduling._split_scope(_Item(path).nodeid) for path in (*RECORDED, CHECK)}
    assert units == {GROUP}
    assert scheduling._split_scope(_Item(SHORT).nodeid) == str(SHORT.relative_to(ROOT))


def _call_sts(session: botocore.session.Session) -> None:
    client = session.create_client(
        "sts", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    with Stubber(client) as stub:
        stub.add_response("get_caller_identity", {"Account": "123456789012"})
        client.get_caller_identity()


@pytest.fixture
def recording() -> Iterator[CallRecording]:
    recording = CallRecording(frozenset(RECORDED[:2]))
    recording.pytest_configure(None)  # type: ignore[arg-type]
    yield recording
    recording.pytest_unconfigure(None)  # type: ignore[arg-type]


def test_only_calls_made_by_a_recording_modules_tests_count(recording: CallRecording) -> None:
    session = botocore.session.get_session()
    recording._module = RECORDED[0]
    _call_sts(session)
    recording._module = SHORT
    _call_sts(session)
    recording._module = None
    _call_sts(session)
    assert recording.records() == [
        {"source": "", "service": "sts", "operation": "GetCallerIdentity", "count": 1}
    ]


def test_the_calls_are_taken_from_this_run_only_when_every_recording_test_ran_here(
    recording: CallRecording,
) -> None:
    first, second = (_Item(path) for path in RECORDED[:2])
    covers: Any = recording.covers  # takes pytest items: _Item has what it reads
    assert not covers([first])  # a module not collected here
    assert not covers([first, second])  # collected, not run yet
    recording.ran.add(first.nodeid)
    assert not covers([first, second])
    recording.ran.add(second.nodeid)
    assert covers([first, second, _Item(SHORT)])
