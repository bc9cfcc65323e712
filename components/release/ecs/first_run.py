"""`ServiceFirstRun`: whether this `pulumi up` creates the ECS service.

Lifecycle hooks run on a service's first deployment too, the one CreateService starts (ECS
developer guide, "Lifecycle hooks for Amazon ECS service deployments": hooks run at the stages
of every service deployment; AWS's sample approval hook for ECS blue/green lets a service's
first deployment through). A manual-approval PAUSE hook there holds the creation of a stack for
`approvalWaitMinutes` and then rolls back a deployment that has nothing to roll back to, and a
test gate failing there does the same. So the component leaves its own hooks (test gate,
approval) out of the run that creates the service and adds them from the next run on, the first
release. Your own `ecsHooks` run on creation, as ECS runs them.

A program cannot ask the engine whether a resource exists yet. This resource remembers the run
that created it: its input `started_at` is this run's start, its diff never reports a
change, so its output `created_in_run` keeps what `create` recorded:

- the run's start, when the service did not exist yet (ListServices on the cluster finds no
  service named `<name>-service-*`, Pulumi's auto-name of the component's service): this run
  creates the service;
- `"before"`, when the service already ran (a stack made before this resource existed): this
  run is a release like any other.

During the preview of a creation the output is unknown, and so are the service's hooks.
ListServices (ECS API 2014-11-13) acts as the stack (`credentials.py`, as the release check).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

from components.release.codedeploy.credentials import (
    LOOK_CONFIG,
    AwsIdentity,
    ClientFactory,
    clients_for,
)

#: `created_in_run` of a service that existed before this resource.
EXISTED = "before"


def service_exists(ecs: Any, cluster: str, name_prefix: str) -> bool:
    """Whether the cluster has a service whose name starts with `name_prefix` (all pages)."""
    request: dict[str, Any] = {"cluster": cluster}
    while True:
        try:
            page = ecs.list_services(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ClusterNotFoundException":
                return False
            raise
        names = [arn.rsplit("/", 1)[-1] for arn in page.get("serviceArns", [])]
        if any(name.startswith(name_prefix) for name in names):
            return True
        if not page.get("nextToken"):
            return False
        request["nextToken"] = page["nextToken"]


class ServiceFirstRunProvider(pulumi.dynamic.ResourceProvider):
    """`clients(identity)` is a test seam; the resource passes none."""

    serialize_as_secret_always = False

    def __init__(self, clients: Callable[[AwsIdentity], ClientFactory] | None = None) -> None:
        super().__init__()
        self._clients = clients

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        identity = AwsIdentity.from_props(props)
        ecs = (self._clients or (lambda i: clients_for(i, LOOK_CONFIG)))(identity)("ecs")
        existed = service_exists(ecs, str(props["cluster"]), str(props["service_name_prefix"]))
        outs = {key: value for key, value in props.items() if key != "__provider"}
        outs["created_in_run"] = EXISTED if existed else props["started_at"]
        return pulumi.dynamic.CreateResult(id_=str(props["service_name_prefix"]), outs=outs)

    def diff(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        # Never changes: its output must keep the run that created it.
        return pulumi.dynamic.DiffResult(changes=False, replaces=[], delete_before_replace=False)


class ServiceFirstRun(pulumi.dynamic.Resource):
    """Output `created_in_run`: this run's start when this run creates the service."""

    created_in_run: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        *,
        cluster: pulumi.Input[str],
        service_name_prefix: str,
        started_at: str,
        region: pulumi.Input[str],
        profile: pulumi.Input[str | None],
        role_arns: pulumi.Input[Sequence[pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "cluster": cluster,
            "service_name_prefix": service_name_prefix,
            "started_at": started_at,
            "region": region,
            "profile": profile,
            "role_arns": role_arns,
            "created_in_run": None,
        }
        super().__init__(ServiceFirstRunProvider(), name, props, opts)


def creates_service(first_run: ServiceFirstRun, started_at: str) -> pulumi.Output[bool]:
    """True in the run that creates the service."""
    return first_run.created_in_run.apply(lambda created: created == started_at)


def hooks_after_creation(
    first_run: ServiceFirstRun,
    started_at: str,
    always: Sequence[Mapping[str, Any]],
    after_creation: Sequence[Mapping[str, Any]],
) -> pulumi.Output[list[Mapping[str, Any]]]:
    """`always` plus, unless this run creates the service, `after_creation`."""
    return creates_service(first_run, started_at).apply(
        lambda creating: [*always] if creating else [*always, *after_creation]
    )
