"""Every AWS error code the project names exists where AWS says it does.

The release engine once waited for `DeploymentAlreadyInProgressException`, a code CodeDeploy
never sends, and a test stubbed it, so both passed. This scans every string literal that looks
like an error code in the code (components/, policies/, the gate Lambdas) and in the tests'
stubs, and looks each up in the modeled errors of botocore's service models of the services we
call. None of our codes needs an exception for client-side or common codes: botocore's own
retry lists stay inside botocore. docs/releases.md lists each code with its place in the model;
that list is checked too.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import botocore.session
import pytest

from tests.harness import ROOT

SERVICES = ("codedeploy", "ecs", "ec2", "lambda", "sts", "elbv2")
_CODE = re.compile(r"^[A-Z][A-Za-z0-9]*(Exception|Fault)$")


@cache
def _errors_by_code() -> dict[str, list[str]]:
    """code -> ["service Operation", ...] from the modeled errors of every operation."""
    session = botocore.session.get_session()
    found: dict[str, list[str]] = {}
    for service in SERVICES:
        model = session.get_service_model(service)
        for name in model.operation_names:
            for shape in model.operation_model(name).error_shapes:
                code = shape.error_code or shape.name
                found.setdefault(code, []).append(f"{service} {name}")
    return found


def _codes_in(paths: list[Path]) -> dict[str, set[str]]:
    """code -> files naming it, from string literals only (docstrings and prose excluded)."""
    named: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _CODE.match(node.value)
            ):
                named.setdefault(node.value, set()).add(str(path.relative_to(ROOT)))
    return named


def _sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


CODE_NAMES = _codes_in(_sources("components", "policies"))
#: This file names the invented code on purpose, to show it is gone.
TEST_NAMES = _codes_in([p for p in _sources("tests") if p.name != Path(__file__).name])


def test_the_scan_finds_the_codes_the_release_engine_handles() -> None:
    # A scan that finds nothing checks nothing.
    assert {
        "DeploymentLimitExceededException",
        "DeploymentAlreadyCompletedException",
        "ThrottlingException",
        "TooManyRequestsException",
    } <= set(CODE_NAMES)


@pytest.mark.parametrize("code", sorted(CODE_NAMES))
def test_every_code_the_project_handles_is_in_a_service_model(code: str) -> None:
    assert code in _errors_by_code(), (
        f"{code} (named in {sorted(CODE_NAMES[code])}) is in no botocore model of {SERVICES}"
    )


@pytest.mark.parametrize("code", sorted(TEST_NAMES))
def test_every_code_the_tests_stub_is_real(code: str) -> None:
    assert code in _errors_by_code(), f"{code} (stubbed in {sorted(TEST_NAMES[code])}) is invented"


def test_the_runbook_lists_every_handled_code_with_its_place_in_the_model() -> None:
    runbook = (ROOT / "docs" / "releases.md").read_text()
    for code in CODE_NAMES:
        row = next((line for line in runbook.splitlines() if line.startswith(f"| `{code}`")), None)
        assert row is not None, f"docs/releases.md does not list {code}"
        places = _errors_by_code().get(code, [])
        assert not places or any(place.split()[0] in row for place in places), (code, row)
