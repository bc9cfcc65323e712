"""This stack's own outputs as its last run left them, read once, before anything is registered.

The identity guard (`components.identity_guard`) and the ECS controller's switch check
(`components.release.ecs.controller`) decide from what the last run exported. The read goes
through a StackReference to the stack itself: a plain read of its last checkpoint, known during
preview.

Why once and first: during `pulumi up` the engine rewrites that checkpoint after every step
(the step executor saves each step's result before it answers the registration:
pulumi/pulumi `pkg/resource/deploy/step_executor.go`, `OnResourceStepPost` then
`stepComplete`), and on a file backend the write is not atomic for a reader: gocloud.dev's
fileblob renames the checkpoint into place but rewrites its `.attrs` sidecar in place
(`blob/fileblob/attrs.go`, `setAttrs` truncates with `os.Create`), and every read decodes that
sidecar first (`getAttrs`), so a read that meets the truncated sidecar fails with "failed to
load checkpoint: EOF". A read registered before any other resource has no step running beside
it: a refresh before the update (`refresh: always` in Pulumi.yaml) ends before the program
starts (`pkg/resource/deploy/deployment_executor.go`), the root stack's own step is saved before
its registration is answered, and the program registers nothing else until the read has
returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await


def previous_outputs(
    reference_name: str, keys: Iterable[str], parent: pulumi.Resource | None = None
) -> dict[str, Any]:
    """This stack's outputs `keys` as its last run left them (a key is None on a first run or
    when that run exported none), through one StackReference `reference_name` to the stack
    itself. Blocks until read: call it before registering any resource."""
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference(
        reference_name, stack_name=stack, opts=pulumi.ResourceOptions(parent=parent)
    )
    # The SDK's own way to block on a value inside the program (synchronous invokes use it).
    return {key: _sync_await(reference.get_output_details(key)).value for key in keys}
