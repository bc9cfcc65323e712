"""Offline IAM policy evaluation with @cloud-copilot/iam-simulate (npm), driven from Python.

Why this library: it evaluates every condition operator (StringEquals, ArnEquals, Null,
ForAnyValue, the IfExists and Not forms), explicit denies and permissions boundaries, and it
validates each request against AWS's service reference (an unknown action or a resource type
the action does not take is an error; context keys the action does not take are reported as
ignored). On PyPI, moto's `IAMPolicy` (moto 5.2.5, `moto/iam/access_control.py`) knows only
StringEquals-like trust conditions and turns an Allow whose condition fails into an explicit
deny; policy_sentry, parliament and cloudsplaining generate or lint policies but evaluate none.

All requests of a test module go to one `node` process (about 0.3 s).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIMULATOR_DIR = Path(__file__).resolve().parent / "iam_simulate"
ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/pulumi-deploy-ecs-blue-green-dev"


@dataclass(frozen=True)
class Request:
    """One API call: who asks is fixed (the deploy role); the policies are the caller's."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    resource_policy: Mapping[str, Any] | None = None
    """The resource's own policy, where the service requires one to allow (a KMS key policy)."""


@dataclass(frozen=True)
class Outcome:
    result: str
    """Allowed, ExplicitlyDenied or ImplicitlyDenied."""
    ignored_context_keys: tuple[str, ...]


def simulate(
    requests: Sequence[Request],
    identity_policies: Mapping[str, Any],
    boundary: Mapping[str, Any] | None = None,
) -> list[Outcome]:
    """Evaluates each request against the named identity policies (and a permissions
    boundary). Raises if the simulator rejects a request as invalid."""
    if not (SIMULATOR_DIR / "node_modules").is_dir() or shutil.which("node") is None:
        raise RuntimeError(
            f"the IAM simulator is not installed: run `npm ci` in {SIMULATOR_DIR} "
            "(scripts/setup does)"
        )
    simulations = [
        {
            "request": {
                "principal": PRINCIPAL,
                "action": r.action,
                "resource": {"resource": r.resource, "accountId": ACCOUNT},
                "contextVariables": dict(r.context),
            },
            "identityPolicies": [{"name": n, "policy": p} for n, p in identity_policies.items()],
            "permissionBoundaryPolicies": (
                [{"name": "boundary", "policy": boundary}] if boundary else []
            ),
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
            **({"resourcePolicy": r.resource_policy} if r.resource_policy else {}),
        }
        for r in requests
    ]
    completed = subprocess.run(
        ["node", str(SIMULATOR_DIR / "simulate.cjs")],
        input=json.dumps(simulations),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    outcomes = []
    for request, raw in zip(requests, json.loads(completed.stdout), strict=True):
        if raw["errors"]:
            raise ValueError(f"the simulator rejected {request}: {raw['errors']}")
        outcomes.append(Outcome(raw["result"], tuple(raw["ignoredContextKeys"])))
    return outcomes
