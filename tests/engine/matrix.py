"""The change matrix from the real engine's plan instead of our reading of mocked inputs.

For each row of `tests/change_matrix.CHANGES`, the dev stack with the row's shared settings
(`also`) is brought up in a local backend of its own, then previewed with the row's change,
and each resource's effect is read from the engine's step: `replace` (a task definition's
replacement is a new revision: "release"), `update` (the release resource's update is a
"release" when a release input changed), `create`/`delete`; a preview the program refuses is
"refused", with the refusal's last line. The ForceNew facts reach the engine through the
modelled aws provider's Diff (offline/aws.py), the same file the mocks matrix reads.

    python -m tests.engine.matrix           # every row; marks where the engine and the file differ
    python -m tests.engine.matrix --write   # rewrites tests/engine/matrix.json from the engine

`tests/engine/matrix.json` is the engine's verdict on every row, checked in: the default suite
compares the mocks' measured effects with it row by row (tests/test_change_matrix.py), without
the CLI, and calls it stale when the facts the engine decided from changed since it was written
(the ForceNew data, the modelled provider's code: `stale`); `ENGINE_TIER=all` re-derives every
row and compares with the file (tests/engine/test_matrix.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.release.codedeploy.release import RELEASE_KEYS
from tests.change_matrix import (
    CHANGES,
    EFFECTS,
    FORCE_NEW_FILE,
    PROJECT,
    RANKED_AS,
    RELEASE_TYPE,
    Change,
)
from tests.engine.support import ROOT, pulumi, type_of, up
from tests.runtime.support import SHARED_STACK

ENGINE_FILE = ROOT / "tests" / "engine" / "matrix.json"
REGENERATE = "python -m tests.engine.matrix --write"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
REPLACING = ("replace", "create-replacement", "delete-replaced")
#: Steps that change nothing: the refresh the project runs first (Pulumi.yaml `refresh:
#: always`) and the StackReference's read.
UNCHANGED = ("same", "refresh", "read")
#: The runtime stack the rows attached to a shared runtime read. A local backend has no
#: organisations: every stack is in "organization" (pulumi's diy backend).
LOCAL_SHARED_STACK = "organization/ecs-blue-green-runtime/dev"
RUNTIME = ROOT / "platform" / "runtime"
#: Rows previewed in one backend (previews of one backend run one after another: they share
#: its work copy).
CHUNK = 10


@dataclass
class EngineRow:
    """The engine's verdict on one row."""

    key: str
    change: dict[str, Any]
    """The row as CHANGES holds it (value, also, needs): a file row for another change is stale."""
    effect: str
    refusal: str = ""
    """The last line of the program's refusal, when the effect is "refused"."""
    steps: dict[str, str] = field(default_factory=dict)
    """Resource (type tail and name) -> the engine's op, for every step that changes something."""


def spec(change: Change) -> dict[str, Any]:
    return {"value": change.value, "also": dict(change.also), "needs": dict(change.needs)}


def force_new_digest() -> str:
    """The ForceNew data the modelled provider's Diff read when the file was written."""
    return hashlib.sha256(FORCE_NEW_FILE.read_bytes()).hexdigest()


#: The modelled aws provider's Check and Diff (offline/modelled.py) and its types
#: (offline/aws.py): with the ForceNew data, what the engine plans each row from.
MODEL_FILES = (ROOT / "offline" / "modelled.py", ROOT / "offline" / "aws.py")


def model_digest() -> str:
    """The modelled provider's code when the file was written."""
    digest = hashlib.sha256()
    for path in MODEL_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _local(settings: Mapping[str, Any]) -> dict[str, Any]:
    """`settings` with the runtime stack's name as the local backend spells it."""
    return {k: LOCAL_SHARED_STACK if v == SHARED_STACK else v for k, v in settings.items()}


def _reads_runtime(change: Change) -> bool:
    return SHARED_STACK in (change.value, change.also.get("sharedStack"))


def variant(base: Path, settings: Mapping[str, Any]) -> Path:
    """A project folder like the repository's, with `settings` added to Pulumi.dev.yaml. It has
    the repository folder's name, so offline.run's work copy (and so every path the program
    puts in its inputs) is the same as the baseline's."""
    folder = base / "variants" / json.dumps(settings, sort_keys=True).encode().hex()[:40]
    project = folder / ROOT.name
    project.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        target = project / entry.name
        if entry.name != "Pulumi.dev.yaml" and not target.is_symlink():
            target.symlink_to(entry)
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"].update({f"{PROJECT}:{key}": value for key, value in settings.items()})
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    return project


def label(urn: str) -> str:
    typ = type_of(urn)
    return f"{typ.rsplit(':', 1)[-1]} {urn.rsplit('::', 1)[-1]}"


def resource_effect(step: dict[str, Any]) -> str:
    typ = type_of(step["urn"])
    op = step["op"]
    if op in REPLACING:
        return "release" if typ == TASK_DEFINITION else "replace"
    if op in ("create", "delete"):
        return op
    if op != "update":
        return "no change"
    if typ == RELEASE_TYPE:
        old = step.get("oldState", {}).get("inputs", {})
        new = step.get("newState", {}).get("inputs", {})
        changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
        return "release" if changed & set(RELEASE_KEYS) else "update"
    return "update"


def refusal(document: Mapping[str, Any]) -> str:
    """The last line of the exception the program raised ("" when it raised none), as the
    mocks matrix records it: the language host reports `runtime error: <exception>` followed
    by the traceback."""
    marker = "runtime error: "
    for diagnostic in document.get("diagnostics", []):
        message = diagnostic.get("message", "")
        if diagnostic.get("severity") == "error" and marker in message:
            text = message.split(marker, 1)[1].split("\nTraceback (most recent call last)")[0]
            return text.strip().splitlines()[-1].strip(" -")
    return ""


def derive(state: Path, change: Change, scratch: Path) -> EngineRow:
    """The engine's preview of the dev stack in `state` (up with `change.also`) with `change`."""
    settings = _local({**change.also, **change.needs, change.key: change.value})
    project = variant(scratch, settings)
    result = pulumi(state, "preview", "--stack", "dev", "--json", project=project)
    text = result.output
    try:
        document, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    except ValueError as error:
        raise AssertionError(f"{change.key}: no preview document\n{text}") from error
    if result.code != 0:
        refused = refusal(document)
        if not refused:
            raise AssertionError(f"{change.key}: the preview failed\n{text}")
        # In the row's own spelling: the message names the runtime stack the program read.
        refused = refused.replace(LOCAL_SHARED_STACK, SHARED_STACK)
        return EngineRow(change.key, spec(change), "refused", refusal=refused)
    steps = [step for step in document.get("steps", []) if step["op"] not in UNCHANGED]
    ranks = [EFFECTS.index(RANKED_AS.get(e, e)) for e in map(resource_effect, steps)]
    return EngineRow(
        change.key,
        spec(change),
        EFFECTS[max(ranks, default=0)],
        # Sorted: the engine starts independent steps in any order.
        steps=dict(sorted((label(step["urn"]), step["op"]) for step in steps)),
    )


def baseline(state: Path, also: Mapping[str, Any], *, runtime: bool, scratch: Path) -> None:
    """The baseline a group of rows is previewed against: the dev stack with `also`, up."""
    if runtime:
        done = up(state, "dev", project=RUNTIME)
        if done.code != 0:
            raise AssertionError(f"the runtime stack's up failed\n{done.output}")
    done = up(state, "dev", project=variant(scratch, _local(also)))
    if done.code != 0:
        raise AssertionError(f"the baseline {dict(also)} failed to come up\n{done.output}")


def derive_group(changes: Sequence[Change], scratch: Path) -> list[EngineRow]:
    """Rows sharing one baseline: one backend, one `up`, a preview per row."""
    scratch.mkdir(parents=True)
    state = scratch / "state"
    baseline(state, changes[0].also, runtime=any(map(_reads_runtime, changes)), scratch=scratch)
    return [derive(state, change, scratch) for change in changes]


def derive_all(changes: Sequence[Change] = CHANGES, jobs: int = 2) -> list[EngineRow]:
    """Every row from the engine, in `changes`' order; `jobs` backends at once. Rows sharing a
    baseline share a backend, up to CHUNK rows each, so the backends take similar times."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(json.dumps(dict(change.also), sort_keys=True), []).append(change)
    chunks = [rows[i : i + CHUNK] for rows in groups.values() for i in range(0, len(rows), CHUNK)]
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(jobs) as pool:
        found = pool.map(
            lambda item: derive_group(item[1], Path(scratch) / str(item[0])), enumerate(chunks)
        )
        by_key = {row.key: row for rows in found for row in rows}
    return [by_key[change.key] for change in changes]


def document(rows: Sequence[EngineRow]) -> dict[str, Any]:
    return {
        "generatedBy": REGENERATE,
        "what": (
            "each row of tests/change_matrix.CHANGES previewed by the real Pulumi CLI with the "
            "modelled providers (offline/): the dev stack with the row's `also` up in a local "
            "backend, then `pulumi preview --json` with the change"
        ),
        "forceNewSha256": force_new_digest(),
        "modelSha256": model_digest(),
        "rows": [asdict(row) for row in rows],
    }


def load(path: Path = ENGINE_FILE) -> dict[str, EngineRow]:
    data = json.loads(path.read_text())
    return {row["key"]: EngineRow(**row) for row in data["rows"]}


def stale(path: Path = ENGINE_FILE, changes: Sequence[Change] = CHANGES) -> list[str]:
    """What makes the file not the engine's verdict on `changes` (empty: it is current)."""
    if not path.exists():
        return [f"{path.name} is missing"]
    data = json.loads(path.read_text())
    rows = load(path)
    problems = [f"no row for {c.key}" for c in changes if c.key not in rows]
    problems += [
        f"{c.key} was derived for {rows[c.key].change}, CHANGES now holds {spec(c)}"
        for c in changes
        if c.key in rows and rows[c.key].change != spec(c)
    ]
    problems += [f"{key} is no longer a row" for key in rows.keys() - {c.key for c in changes}]
    if data.get("forceNewSha256") != force_new_digest():
        problems.append(f"{FORCE_NEW_FILE.name} changed since the file was written")
    if data.get("modelSha256") != model_digest():
        problems.append("the modelled aws provider (offline/) changed since the file was written")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.engine.matrix", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"rewrite {ENGINE_FILE.name}")
    parser.add_argument("--jobs", type=int, default=2, help="baselines derived at once")
    parser.add_argument("keys", nargs="*", help="only these rows (not with --write)")
    options = parser.parse_args(argv)
    changes = [c for c in CHANGES if not options.keys or c.key in options.keys]
    if options.write and options.keys:
        parser.error("--write derives every row")
    rows = derive_all(changes, options.jobs)
    if options.write:
        ENGINE_FILE.write_text(json.dumps(document(rows), indent=1) + "\n")
    recorded = load() if ENGINE_FILE.exists() else {}
    differ = 0
    for row in rows:
        before = recorded.get(row.key)
        mark = "" if before is None or before.effect == row.effect else f" <- file: {before.effect}"
        differ += bool(mark)
        detail = row.refusal or ", ".join(f"{op} {r}" for r, op in sorted(row.steps.items()))
        sys.stdout.write(f"{row.key}: {row.effect}{mark}  ({detail})\n")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
