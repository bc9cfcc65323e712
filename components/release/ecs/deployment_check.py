"""`EcsDeploymentCheck`: fails `pulumi up` when ECS rolled the release back.

With `wait_for_steady_state` the service update waits for the ECS service deployment. Whether
the provider then fails on a rolled-back deployment depends on its version: the
terraform-provider-aws `internal/service/ecs/service.go` read for this change
(`findDeploymentStatus`) turns ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED and STOPPED into an error,
and FIELD-NOTES records that a later version treats a rollback as normal. A rolled-back release
must exit non-zero whatever the bridged version does, so this resource, ordered after the
service, reads the deployment of the task definition the service was just given and fails with
ECS's status reason when it did not succeed.

Calls: ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions (ECS API
2014-11-13). Error codes handled are those botocore's ECS model lists for them.

Like the CodeDeploy release resource, the provider carries no code or clients in its pickled
state: the provider process imports this module and builds boto3 clients at call time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

from components.release import plugin

SUCCEEDED = "SUCCESSFUL"
#: The release did not go out; the service is (or should be) back on the previous revision.
FAILED = frozenset({"ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"})
#: Not finished yet: waited for (a provider that did not wait, or a rollback under way).
RUNNING = frozenset(
    {"PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"}
)
#: Error codes (botocore ECS model) that mean "cannot check": named in the failure.
NOT_FOUND_CODES = frozenset({"ServiceNotFoundException", "ClusterNotFoundException"})
#: Worth another try while time remains (throttling is retried by botocore itself).
TRANSIENT_CODES = frozenset({"ServerException"})
#: Newest deployments inspected; DescribeServiceDeployments/-Revisions take at most 20 ARNs.
DEPLOYMENTS_INSPECTED = 20

CHECK_KEYS = ("cluster_name", "service_name", "task_definition_arn", "region")


class ReleaseFailedError(Exception):
    """The ECS deployment of this task definition did not succeed; shown by `pulumi up`."""


@dataclass
class EcsDeploymentCheckArgs:
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    """The revision the service was given; a new one re-runs the check."""
    region: pulumi.Input[str]
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
        self.task_definition = str(props["task_definition_arn"])
        self.wait_seconds = float(props["wait_minutes"]) * 60
        self.poll_seconds = float(props["poll_seconds"])
        self.ecs = ecs
        self.sleep = sleep
        self.clock = clock

    def latest_deployment(self) -> dict[str, Any] | None:
        """The newest service deployment whose target revision runs our task definition."""
        briefs = self.ecs.list_service_deployments(
            cluster=self.cluster, service=self.service, maxResults=DEPLOYMENTS_INSPECTED
        )["serviceDeployments"]
        if not briefs:
            return None
        briefs = sorted(briefs, key=lambda b: b["createdAt"], reverse=True)
        revisions = self.ecs.describe_service_revisions(
            serviceRevisionArns=sorted({b["targetServiceRevisionArn"] for b in briefs})
        )["serviceRevisions"]
        ours = {
            r["serviceRevisionArn"]
            for r in revisions
            if r.get("taskDefinition") == self.task_definition
        }
        for brief in briefs:
            if brief["targetServiceRevisionArn"] in ours:
                [deployment] = self.ecs.describe_service_deployments(
                    serviceDeploymentArns=[brief["serviceDeploymentArn"]]
                )["serviceDeployments"]
                return dict(deployment)
        return None

    def check(self) -> str | None:
        """Waits for the deployment of our task definition to finish; returns its ARN (None if
        ECS has no deployment of it on record) or raises ReleaseFailedError."""
        deadline = self.clock() + self.wait_seconds
        while True:
            try:
                deployment = self.latest_deployment()
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code in NOT_FOUND_CODES:
                    raise ReleaseFailedError(
                        f"cannot check the release of {self.service} in {self.cluster}: [{code}] "
                        f"{error.response['Error'].get('Message', '')}"
                    ) from None
                if code not in TRANSIENT_CODES or self.clock() >= deadline:
                    raise
                deployment = {"status": "PENDING"}
            if deployment is None:
                return None
            status = deployment["status"]
            if status == SUCCEEDED:
                return str(deployment["serviceDeploymentArn"])
            if status in FAILED:
                reason = deployment.get("statusReason") or "no reason given"
                raise ReleaseFailedError(
                    f"ECS deployment {deployment['serviceDeploymentArn']} of "
                    f"{self.task_definition} ended {status}: {reason}. The service runs the "
                    "previous revision; fix the release and run `pulumi up` again (with "
                    "--refresh to redeploy the same revision)."
                )
            if self.clock() >= deadline:
                raise ReleaseFailedError(
                    f"ECS deployment {deployment.get('serviceDeploymentArn', '')} of "
                    f"{self.task_definition} is still {status} after "
                    f"{self.wait_seconds / 60:g} minutes"
                )
            self.sleep(self.poll_seconds)


class EcsDeploymentCheckProvider(pulumi.dynamic.ResourceProvider):
    """Every argument is a test seam defaulting to the real thing; the resource passes none."""

    serialize_as_secret_always = False

    def __init__(
        self,
        ecs: Callable[[str], Any] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__()
        self._ecs = ecs
        self._sleep = sleep
        self._clock = clock

    def _check(self, props: Mapping[str, Any]) -> dict[str, Any]:
        region = str(props["region"])
        ecs = (self._ecs or (lambda r: boto3.session.Session(region_name=r).client("ecs")))(region)
        checker = EcsDeploymentChecker(
            props, ecs, sleep=self._sleep or time.sleep, clock=self._clock or time.monotonic
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
    """Fails when the ECS deployment of `task_definition_arn` was rolled back or stopped.

    Output `service_deployment_arn`: the deployment that made the revision live (None when ECS
    has no deployment of it on record)."""

    service_deployment_arn: pulumi.Output[str | None]

    def __init__(
        self, name: str, args: EcsDeploymentCheckArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "cluster_name": args.cluster_name,
            "service_name": args.service_name,
            "task_definition_arn": args.task_definition_arn,
            "region": args.region,
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
