"""`EcsDeploymentCheck`: fails `pulumi up` when a deployment it started did not succeed.

With `wait_for_steady_state` the service update waits for the ECS service deployment. Whether
the provider then fails on a rolled-back deployment depends on its version (terraform-provider-aws
`internal/service/ecs/service.go`, `findDeploymentStatus`), and the provider waits only for the
deployment it can match to the new PRIMARY task set. A rolled-back release must exit non-zero
whatever the bridged version does, so this resource, ordered after the service, judges **every**
service deployment created since this `pulumi up` began (`started_at`, the program's clock when it
built the component):

- ListServiceDeployments with `createdAt.after = started_at`, following `nextToken` to the last
  page; the API documents no order of results, so none is assumed (ECS API Reference,
  ListServiceDeployments);
- any of them ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED or STOPPED fails the update with ECS's status
  reason; running ones are waited for; all SUCCESSFUL passes;
- none found fails too: the check runs only when something that starts a deployment changed
  (`release_inputs`: task definition, network, container port; ECS creates a service deployment
  when a service is created and when an update changes a property that needs one, ECS developer
  guide "View service history using Amazon ECS service deployments"), so an empty list means the
  deployment was not found (or the machine's clock runs ahead of AWS's), never that it succeeded.

The check acts as the stack: the same identity inputs (`profile`, `role_arns`) and clients as the
CodeDeploy release resource (`components/release/codedeploy/credentials.py`).

Calls: ListServiceDeployments (ECS API 2014-11-13). Error codes handled are those botocore's ECS
model lists for it (tests/test_error_codes.py).

Like the CodeDeploy release resource, the provider carries no code or clients in its pickled
state: the provider process imports this module and builds botocore clients at call time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

from components.release import plugin
from components.release.codedeploy.credentials import (
    WATCH_CONFIG,
    AwsIdentity,
    ClientFactory,
    clients_for,
)

SUCCEEDED = "SUCCESSFUL"
#: The release did not go out; the service is (or should be) back on the previous revision.
FAILED = frozenset({"ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"})
#: Error codes (botocore ECS model) that mean "cannot check": named in the failure.
NOT_FOUND_CODES = frozenset({"ServiceNotFoundException", "ClusterNotFoundException"})
#: Worth another try until the deadline (botocore's standard mode already retried each call).
TRANSIENT_CODES = frozenset({"ServerException"})
#: ListServiceDeployments lags the UpdateService call by a moment: how long an empty answer is
#: asked again before the check fails.
NOT_FOUND_GRACE_SECONDS = 60.0

#: Inputs whose change re-runs the check. `started_at`, identity, waits and polling change on
#: every run or only shape how the check runs.
CHECK_KEYS = ("cluster_name", "service_name", "task_definition_arn", "release_inputs", "region")


class ReleaseFailedError(Exception):
    """A deployment this `pulumi up` started did not succeed; shown by `pulumi up`."""


@dataclass
class EcsDeploymentCheckArgs:
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    """The revision the service was given; a new one re-runs the check."""
    region: pulumi.Input[str]
    started_at: str
    """ISO 8601 UTC time this `pulumi up` began (before the service update): deployments created
    after it are this run's."""
    release_inputs: Mapping[str, Any] = field(default_factory=dict)
    """Everything else of the service whose change starts a deployment (network, container
    port): a change re-runs the check. Default empty."""
    profile: pulumi.Input[str | None] = None
    """The aws provider's profile. Default None: the process's default credential chain."""
    role_arns: pulumi.Input[Sequence[pulumi.Input[str]]] = field(default_factory=list)
    """The aws provider's assume-role chain. Default none."""
    wait_minutes: int = 15
    """How long to wait for a deployment that is still running when the check starts (a
    provider that returned early, a rollback under way). Default 15, the release margin."""
    poll_seconds: int = 15
    """Polling interval while waiting. Default 15 s, as the CodeDeploy release resource."""


class EcsDeploymentChecker:
    def __init__(
        self,
        props: Mapping[str, Any],
        ecs: Any,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.cluster = str(props["cluster_name"])
        self.service = str(props["service_name"])
        self.started_at = datetime.fromisoformat(str(props["started_at"]))
        self.wait_seconds = float(props["wait_minutes"]) * 60
        self.poll_seconds = float(props["poll_seconds"])
        self.ecs = ecs
        self.sleep = sleep
        self.clock = clock

    def deployments(self) -> list[dict[str, Any]]:
        """Every service deployment created after `started_at`, all pages, in no set order."""
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "cluster": self.cluster,
            "service": self.service,
            "createdAt": {"after": self.started_at},
        }
        while True:
            page = self.ecs.list_service_deployments(**request)
            found.extend(page.get("serviceDeployments", []))
            if not page.get("nextToken"):
                return found
            request["nextToken"] = page["nextToken"]

    def _give_up(self, message: str, now: float, deadline: float) -> None:
        if now >= deadline:
            raise ReleaseFailedError(message)

    def check(self) -> str:
        """Waits for every deployment since `started_at` to finish; returns the newest one's ARN
        or raises ReleaseFailedError."""
        start = self.clock()
        deadline = start + self.wait_seconds
        where = f"{self.service} in {self.cluster}"
        while True:
            now = self.clock()
            try:
                deployments = self.deployments()
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                text = f"[{code}] {error.response.get('Error', {}).get('Message', '')}"
                if code in NOT_FOUND_CODES:
                    message = f"cannot check the release of {where}: {text}"
                    raise ReleaseFailedError(message) from None
                if code not in TRANSIENT_CODES:
                    raise
                self._give_up(
                    f"cannot check the release of {where}: {text}, still after "
                    f"{self.wait_seconds / 60:g} minutes",
                    now,
                    deadline,
                )
                self.sleep(self.poll_seconds)
                continue
            if not deployments:
                self._give_up(
                    f"no ECS deployment of {where} was created after {self.started_at.isoformat()} "
                    "(when this `pulumi up` began): the release cannot be confirmed. Check the "
                    "clock of the machine running `pulumi up`, and the deployments with "
                    "`aws ecs list-service-deployments --cluster <cluster> --service <service>`",
                    now,
                    min(deadline, start + NOT_FOUND_GRACE_SECONDS),
                )
                self.sleep(self.poll_seconds)
                continue
            failed = [d for d in deployments if d.get("status") in FAILED]
            if failed:
                raise ReleaseFailedError(
                    "; ".join(
                        f"ECS deployment {d['serviceDeploymentArn']} ended {d['status']}: "
                        f"{d.get('statusReason') or 'no reason given'}"
                        for d in failed
                    )
                    + ". The service runs the previous revision; fix the release and run "
                    "`pulumi up` again (with --refresh to redeploy the same revision)."
                )
            running = [d for d in deployments if d.get("status") != SUCCEEDED]
            if not running:
                newest = max(deployments, key=lambda d: d["createdAt"])
                return str(newest["serviceDeploymentArn"])
            self._give_up(
                "; ".join(
                    f"ECS deployment {d['serviceDeploymentArn']} is still {d.get('status')}"
                    for d in running
                )
                + f" after {self.wait_seconds / 60:g} minutes",
                now,
                deadline,
            )
            self.sleep(self.poll_seconds)


class EcsDeploymentCheckProvider(pulumi.dynamic.ResourceProvider):
    """Every argument is a test seam defaulting to the real thing; the resource passes none.

    `clients(identity)` returns a client factory acting as the stack's identity."""

    serialize_as_secret_always = False

    def __init__(
        self,
        clients: Callable[[AwsIdentity], ClientFactory] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__()
        self._clients = clients
        self._sleep = sleep
        self._clock = clock

    def _check(self, props: Mapping[str, Any]) -> dict[str, Any]:
        identity = AwsIdentity.from_props(props)
        clients = (self._clients or (lambda i: clients_for(i, WATCH_CONFIG)))(identity)
        checker = EcsDeploymentChecker(
            props,
            clients("ecs"),
            sleep=self._sleep or time.sleep,
            clock=self._clock or time.monotonic,
        )
        try:
            arn = checker.check()
        except ReleaseFailedError as error:
            raise ReleaseFailedError(str(error)) from None
        outs = {key: value for key, value in props.items() if key != "__provider"}
        outs["service_deployment_arn"] = arn
        return outs

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outs = self._check(props)
        return pulumi.dynamic.CreateResult(
            id_=f"{props['cluster_name']}/{props['service_name']}", outs=outs
        )

    def update(
        self, _id: str, _olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._check(news))

    def diff(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        changed = [key for key in CHECK_KEYS if olds.get(key) != news.get(key)]
        return pulumi.dynamic.DiffResult(
            changes=bool(changed), replaces=[], delete_before_replace=False
        )


class EcsDeploymentCheck(pulumi.dynamic.Resource):
    """Fails when a deployment this `pulumi up` started was rolled back or stopped.

    Output `service_deployment_arn`: the newest deployment it judged."""

    service_deployment_arn: pulumi.Output[str | None]

    def __init__(
        self, name: str, args: EcsDeploymentCheckArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "cluster_name": args.cluster_name,
            "service_name": args.service_name,
            "task_definition_arn": args.task_definition_arn,
            "release_inputs": dict(args.release_inputs),
            "region": args.region,
            "started_at": args.started_at,
            "profile": args.profile,
            "role_arns": args.role_arns,
            "wait_minutes": args.wait_minutes,
            "poll_seconds": args.poll_seconds,
            "service_deployment_arn": None,
        }
        plugin.register(
            self,
            EcsDeploymentCheckProvider(),
            plugin.ECS_RELEASE_CHECK,
            name=name,
            props=props,
            opts=opts,
        )
