"""Where the release resources' code runs: in the program's process, or in the package's plugin.

A Python stack registers the CodeDeploy release and the ECS release check as dynamic resources:
the engine starts `python -m pulumi.dynamic` in the program's own environment, which has this
repository and boto3. A TypeScript, Go, C# or YAML program reaches `BlueGreenService` through the
`ecs-blue-green` component package instead (`package/`), and its environment has neither, so a
dynamic resource could not run there (pulumi/pulumi#5455). Inside the plugin the same resources
are therefore registered as custom resources of the package itself (`TYPES`), and the plugin
serves their Check/Diff/Create/Read/Update/Delete with the same dynamic-provider classes.

Python stacks never enter hosted mode, so their resources keep the dynamic type and their state
loads unchanged.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic

PACKAGE = "ecs-blue-green"

#: The custom-resource type of each release resource when the plugin hosts the component.
CODEDEPLOY_RELEASE = f"{PACKAGE}:index:CodeDeployRelease"
ECS_RELEASE_CHECK = f"{PACKAGE}:index:EcsReleaseCheck"

_hosted = False


def host_release_resources() -> None:
    """Called once by the plugin's entry point: from now on this process registers release
    resources as custom resources of the package."""
    global _hosted  # noqa: PLW0603 (one switch per process, set by the plugin only)
    _hosted = True


def hosted() -> bool:
    return _hosted


def register(
    resource: pulumi.dynamic.Resource,
    provider: pulumi.dynamic.ResourceProvider,
    hosted_type: str,
    *,
    name: str,
    props: dict[str, Any],
    opts: pulumi.ResourceOptions | None,
) -> None:
    """Registers `resource` as a dynamic resource of `provider`, or, in the plugin, as the custom
    resource `hosted_type` with the same properties (the plugin's provider serves it)."""
    if _hosted:
        pulumi.CustomResource.__init__(resource, hosted_type, name, props, opts)
    else:
        pulumi.dynamic.Resource.__init__(resource, provider, name, props, opts)
