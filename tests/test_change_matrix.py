"""The change matrix covers every config key, replaces nothing dangerous, agrees with the real
engine's plan, and is documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.change_matrix import (
    CHANGES,
    DANGEROUS,
    DOC,
    FORCE_NEW_FILE,
    SAFE_REPLACEMENTS,
    Row,
    classify,
    load_force_new,
    measure,
    render,
    with_matrix,
)
from tests.engine import matrix as engine_matrix
from tests.harness import ROOT, Registration

pytestmark = pytest.mark.long

DECLARED = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return measure()


def test_every_declared_key_has_exactly_one_row() -> None:
    keys = [change.key for change in CHANGES]
    assert sorted(keys) == sorted(DECLARED), "add one Change per key to tests/change_matrix.py"


def test_no_change_replaces_a_resource_off_the_safe_list(rows: list[Row]) -> None:
    unsafe = {
        row.change.key: {label: typ for label, typ in row.replaced().items()}
        for row in rows
        if any(typ not in SAFE_REPLACEMENTS for typ in row.replaced().values())
    }
    assert unsafe == {}


def test_the_day2_keys_of_the_issue_are_safe_or_refused(rows: list[Row]) -> None:
    effects = {row.change.key: row.effect for row in rows}
    assert effects["containerPort"] == "release"
    assert effects["privateSubnetIds"] == "release"
    assert effects["certificateArn"] == "update"
    assert effects["testListenerPort"] == "update"
    # The dev stack's container health check follows the path, so a new revision releases it.
    assert effects["healthCheckPath"] == "release"
    assert effects["desiredCount"] == "update"
    assert effects["autoscalingEnabled"] == "update"
    for refused in ("serviceName", "natStrategy", "vpcId"):
        assert effects[refused] == "refused", refused


def test_dangerous_resources_are_never_replaced(rows: list[Row]) -> None:
    replaced = {typ for row in rows for typ in row.replaced().values()}
    assert replaced.isdisjoint(DANGEROUS)
    assert set(DANGEROUS).isdisjoint(SAFE_REPLACEMENTS)


def test_the_real_engine_agrees_with_every_row(rows: list[Row]) -> None:
    """tests/engine/matrix.json holds the real Pulumi engine's verdict on every row (previews
    with the modelled providers, written by `python -m tests.engine.matrix --write`): the
    mocks' reading of each change must be the engine's, refusals with the same message."""
    problems = engine_matrix.stale()
    assert problems == [], (
        f"{engine_matrix.ENGINE_FILE.name} is stale ({'; '.join(problems)}): run "
        f"`{engine_matrix.REGENERATE}` (needs the Pulumi CLI: scripts/engine)"
    )
    engine = engine_matrix.load()
    differ = {
        row.change.key: f"mocks: {row.effect} {row.refusal}".strip()
        + f", engine: {engine[row.change.key].effect} {engine[row.change.key].refusal}".rstrip()
        for row in rows
        if (row.effect, row.refusal)
        != (engine[row.change.key].effect, engine[row.change.key].refusal)
    }
    assert differ == {}, (
        "the mocks and the engine disagree: find which is right and fix that side (if the "
        f"program changed, `{engine_matrix.REGENERATE}` first)"
    )


@pytest.mark.parametrize(
    ("digest", "named"),
    [("forceNewSha256", FORCE_NEW_FILE.name), ("modelSha256", "modelled aws provider")],
)
def test_the_engine_file_is_stale_once_what_the_engine_planned_from_changed(
    tmp_path: Path, digest: str, named: str
) -> None:
    data = json.loads(engine_matrix.ENGINE_FILE.read_text())
    data[digest] = "0" * 64
    written = tmp_path / "matrix.json"
    written.write_text(json.dumps(data))
    problems = engine_matrix.stale(written)
    assert len(problems) == 1, problems
    assert named in problems[0]


def test_operations_doc_shows_the_current_matrix(rows: list[Row]) -> None:
    document = DOC.read_text()
    assert with_matrix(document, render(rows)) == document, (
        "docs/operations.md is stale: run `python -m tests.change_matrix --write`"
    )


def test_force_new_data_names_its_source_for_every_type() -> None:
    data = json.loads(FORCE_NEW_FILE.read_text())
    assert data["provider"]["pulumi-aws"].startswith("7.51")
    for typ, entry in data["resources"].items():
        assert entry["source"], typ
        assert entry["read"] is False or len(entry["commit"]) == 40, typ


def _registration(type_: str, inputs: dict[str, object], ignored: list[str]) -> Registration:
    return Registration(
        type=type_,
        name="r",
        urn=f"urn:{type_}::r",
        parent="",
        inputs=inputs,
        outputs={},
        dependencies=[],
        property_dependencies={},
        ignore_changes=ignored,
        custom=True,
        provider="",
        protect=False,
        retain_on_delete=False,
        alias_names=[],
        delete_before_replace=False,
    )


@pytest.mark.parametrize(
    ("type_", "before", "after", "ignored", "effect"),
    [
        ("aws:lb/targetGroup:TargetGroup", {"port": 3000}, {"port": 8000}, [], "replace"),
        ("aws:lb/targetGroup:TargetGroup", {"port": 3000}, {"port": 8000}, ["port"], "no change"),
        ("aws:lb/listener:Listener", {"port": 80}, {"port": 443}, [], "update"),
        ("aws:ecs/service:Service", {"networkConfiguration": 1}, {"networkConfiguration": 2},
         ["networkConfiguration"], "release"),
        ("aws:ecs/taskDefinition:TaskDefinition", {"cpu": "256"}, {"cpu": "512"}, [], "release"),
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {"cidrIpv4": "0.0.0.0/0"},
         {"cidrIpv6": "::/0"}, [], "replace"),
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {"cidrIpv4": "0.0.0.0/0"},
         {"cidrIpv4": "10.0.0.0/8"}, [], "update"),
    ],
)  # fmt: skip
def test_classify_reads_force_new_ignore_changes_and_rule_sources(
    type_: str, before: dict[str, object], after: dict[str, object], ignored: list[str], effect: str
) -> None:
    rules = load_force_new()
    assert classify(
        _registration(type_, before, []), _registration(type_, after, ignored), rules
    ) == (effect)
