"""Runtime stack: one environment's shared VPC, ECS cluster and load balancer, and the outputs
that services read through `sharedStack` (a stack reference)."""

import sys
from pathlib import Path
from typing import Any

# components/ lives at the repository root, shared with the service program. Pulumi starts this
# program in platform/runtime/ with only that folder on sys.path, and the repository is not an
# installable package (pyproject.toml holds tool settings), so the root goes on the path here.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pulumi  # noqa: E402 (after the path set-up above)

from components.runtime import (  # noqa: E402
    DEFAULT_NAME,
    SharedRuntime,
    SharedRuntimeArgs,
)

config = pulumi.Config()
# Unset keys keep SharedRuntimeArgs' documented defaults; "" means "no certificate".
values: dict[str, Any] = {
    "nat_strategy": config.get("natStrategy"),
    "certificate_arn": config.get("certificateArn") or None,
    "test_listener_port": config.get_int("testListenerPort"),
    "allowed_cidrs": config.get_object("allowedCidrs"),
    "test_listener_cidrs": config.get_object("testListenerCidrs"),
    "protect": config.get_bool("protect"),
}
runtime = SharedRuntime(
    config.get("runtimeName") or DEFAULT_NAME,
    SharedRuntimeArgs(**{key: value for key, value in values.items() if value is not None}),
)
for name, value in runtime.outputs.items():
    pulumi.export(name, value)
