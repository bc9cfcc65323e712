"""Hooks every test run shares."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Modules marked `long` (tens of seconds each: the engine tier, module fixtures that run
    # whole stacks or subprocesses) come first. scripts/test hands whole modules to its workers
    # in this order (`--dist loadfile`), so each long one starts early beside the others and the
    # short modules fill in around them, instead of a long one starting last and running alone.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
