"""Hooks every test run shares."""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling

from offline import collector
from tests.aws_calls import CHECK, GROUP, KEY, ROOT, CallRecording, recording_modules

RECORDING = recording_modules()


def pytest_configure(config: pytest.Config) -> None:
    recording = CallRecording(RECORDING)
    config.stash[KEY] = recording
    config.pluginmanager.register(recording, "aws-calls")


def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection imported lives for the whole run (offline/collector.py).
    collector.settle()


def _rank(item: pytest.Item) -> int:
    if item.path == CHECK:
        return 1
    return 0 if item.get_closest_marker("long") is not None or item.path in RECORDING else 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Modules marked `long` (tens of seconds each: the engine tier, module fixtures that run
    # whole stacks or subprocesses) come first. scripts/test hands whole modules to its workers
    # in this order (`--dist loadfile`), so each long one starts early beside the others and the
    # short modules fill in around them, instead of a long one starting last and running alone.
    # The recording modules come with them, and the check of their calls right after them
    # (tests/aws_calls.py).
    items.sort(key=_rank)


class _RecordingGroupScheduling(LoadFileScheduling):
    """`--dist loadfile`, with the recording modules and their check one unit of work: one
    worker runs them in collection order, so the check finds their calls in its own process
    instead of running them again."""

    def _split_scope(self, nodeid: str) -> str:
        module = super()._split_scope(nodeid)
        return GROUP if ROOT / module in RECORDING or ROOT / module == CHECK else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    if config.getvalue("dist") != "loadfile":
        return None
    return _RecordingGroupScheduling(config, log)
