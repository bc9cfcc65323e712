"""One pack subprocess per session, started exactly as the Pulumi CLI starts it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.policies.analyzer import PackClient, running_pack


@pytest.fixture(scope="session")
def pack_server() -> Iterator[PackClient]:
    with running_pack() as client:
        yield client


@pytest.fixture
def pack(pack_server: PackClient) -> Iterator[PackClient]:
    """The running pack with default config (as `pulumi preview` without a config file), reset
    after each test so a Configure in one test cannot leak into the next."""
    pack_server.configure()
    yield pack_server
    pack_server.configure()
