"""The change matrix from the real engine's plan instead of our reading of mocked inputs.

For a row of `tests/change_matrix.CHANGES`, the dev stack (already up in a local backend) is
previewed with the changed setting, and each resource's effect is read from the engine's step:
`replace` (a task definition's replacement is a new revision: "release"), `update` (the release
resource's update is a "release" when a release input changed), `create`/`delete`, and a
preview the program refuses is "refused". The ForceNew facts reach the engine through the
modelled aws provider's Diff (offline/aws.py), the same file the mocks matrix reads.

    python -m tests.engine.matrix   # every row without extra settings; prints disagreements

The default suite checks a few rows (tests/engine/test_engine.py); the whole table takes one
preview per row.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from components.release.codedeploy.release import RELEASE_KEYS
from tests.change_matrix import (
    CHANGES,
    EFFECTS,
    PROJECT,
    RANKED_AS,
    RELEASE_TYPE,
    Change,
    measure,
)
from tests.engine.support import ROOT, pulumi

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
REPLACING = ("replace", "create-replacement", "delete-replaced")


def variant(base: Path, settings: dict[str, Any]) -> Path:
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


def resource_effect(step: dict[str, Any]) -> str:
    typ = step["urn"].split("::")[2].rsplit("$", 1)[-1]
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


def row_effect(state: Path, change: Change) -> str:
    """The row's worst effect in the engine's preview of the dev stack with `change`."""
    settings = {**change.needs, change.key: change.value}
    with tempfile.TemporaryDirectory(dir=state.parent) as scratch:
        project = variant(Path(scratch), settings)
        result = pulumi(state, "preview", "--stack", "dev", "--json", project=project)
    text = result.output
    if result.code != 0:
        # The program's refusals name the setting: "serviceName: 'web' -> 'api' would ...".
        if f"{change.key}: " in text:
            return "refused"
        raise AssertionError(text)
    document, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    ranks = [
        EFFECTS.index(RANKED_AS.get(effect, effect))
        for effect in (resource_effect(step) for step in document.get("steps", []))
    ]
    return EFFECTS[max(ranks, default=0)]


def main() -> int:
    rows = [c for c in CHANGES if not c.also]
    expected = {row.change.key: row.effect for row in measure(tuple(rows))}
    with tempfile.TemporaryDirectory() as scratch:
        state = Path(scratch) / "state"
        up = pulumi(state, "up", "--stack", "dev", "--yes", "--skip-preview")
        if up.code != 0:
            sys.stderr.write(up.output)
            return 1
        differ = 0
        for change in rows:
            found = row_effect(state, change)
            mark = "" if found == expected[change.key] else "  <- mocks say " + expected[change.key]
            differ += bool(mark)
            sys.stdout.write(f"{change.key}: {found}{mark}\n")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
