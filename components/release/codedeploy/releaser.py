"""Running and watching one release through CodeDeploy, as AWS really answers.

`CodeDeployReleaser` holds every decision about talking to CodeDeploy and ECS during a release
(see release.py's module docstring for the list); the dynamic provider in release.py only
builds it from the resource's inputs. All AWS access goes through injected clients, time
through injected `sleep`/`clock`, so tests drive it with Stubber or a time-driven fake.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from components.release.codedeploy.credentials import ClientFactory
from components.release.codedeploy.spec import (
    DEFAULT_DEPLOYMENT_CONFIG,
    PREDEFINED_TRAFFIC_ROUTING,
    PROVISIONING_MARGIN_MINUTES,
    ReleaseSpec,
    Serving,
    derive_timeout_minutes,
    termination_wait_minutes,
)

#: Deployment statuses that hold the group: CodeDeploy runs one deployment per group at a time.
ACTIVE_STATUSES: tuple[str, ...] = ("Created", "Queued", "InProgress", "Ready", "Baking")
TERMINAL_STATUSES: frozenset[str] = frozenset({"Succeeded", "Failed", "Stopped"})
UNSUCCESSFUL_STATUSES: frozenset[str] = frozenset({"Failed", "Stopped"})

#: Put in the description of every deployment this resource starts.
DESCRIPTION_MARKER = "[pulumi CodeDeployDeployment]"
#: How a deployment's description records the `release_retry` value it was started with.
_RETRY_TAG = re.compile(r"\bretry:(\S+)")

#: How long a failed or stopped deployment gets to name its rollback deployment, when a rollback
#: is expected, before the failure is reported without one.
ROLLBACK_GRACE_SECONDS = 60
#: Deployments of the group looked at for an earlier attempt of the same AppSpec: four
#: BatchGetDeployments calls (25 each), weeks of history for a service released a few times a day.
HISTORY_LIMIT = 100
#: How long `delete` waits for stopped deployments and their rollbacks when no timeout is set:
#: a stop with rollback takes a few minutes; twice the provisioning margin leaves room.
DELETE_BUDGET_MINUTES = 2 * PROVISIONING_MARGIN_MINUTES
BATCH_GET_LIMIT = 25

#: Error codes handled by name, each checked against botocore's service model by
#: tests/test_error_codes.py and listed with its place in the model in docs/releases.md.
RACE_REFUSAL = "DeploymentLimitExceededException"
"""CreateDeployment: "The Deployment Group 'x' already has an active Deployment 'd-...'"."""
ALREADY_COMPLETED = "DeploymentAlreadyCompletedException"
"""StopDeployment / ContinueDeployment on a deployment that ended in between."""
NOT_WAITING = "DeploymentIsNotInReadyStateException"
"""ContinueDeployment on a deployment that is not in the wait it names."""
GROUP_GONE = ("ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException")
"""ListDeployments after the application or group was deleted."""
THROTTLING = "ThrottlingException"
"""CodeDeploy's throttling error; ECS answers with the same code (not in its model, but in
botocore's retry list, `botocore/retries/standard.py` ThrottledRetryableChecker)."""
#: HTTP statuses that mean "try again later" whatever the code: throttling and server errors.
TRANSIENT_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})

T = TypeVar("T")


class DeploymentError(Exception):
    """A release did not succeed; the message is what `pulumi up` shows."""


@dataclass(frozen=True)
class ReleaseOutcome:
    """`deployment_id` is the deployment that made `task_definition_arn` live (None for the
    service's original task set). `status`: NothingToDeploy, UsersOnGreen (returned with the
    rollback window still open) or Succeeded."""

    deployment_id: str | None
    task_definition_arn: str
    status: str = "Succeeded"
    rollback_window_minutes: int = 0


@dataclass(frozen=True)
class Watched:
    """Where a watch stopped: the deployment ended, or (`on_green`) users are on green."""

    info: dict[str, Any]
    on_green: bool = False


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_transient(error: Exception) -> bool:
    """Throttling, server errors and lost connections: worth asking again later."""
    if isinstance(error, BotoConnectionError | HTTPClientError):
        # EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError.
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return _error_code(error) == THROTTLING or status in TRANSIENT_HTTP_STATUSES
    return False


def describe_error(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{_error_code(error)}: {error.response.get('Error', {}).get('Message', '')}"
    return f"{type(error).__name__}: {error}"


def _revision_sha256(info: Mapping[str, Any]) -> str | None:
    content = (info.get("revision") or {}).get("appSpecContent") or {}
    if content.get("sha256"):
        return str(content["sha256"])
    if content.get("content"):
        return hashlib.sha256(str(content["content"]).encode("utf-8")).hexdigest()
    return None


def retry_token(description: str | None) -> str | None:
    """The `release_retry` value a deployment was started with (None: none)."""
    found = _RETRY_TAG.search(description or "")
    return found.group(1) if found else None


class _Progress:
    """Reports one deployment's progress, printing only what changed since the last poll."""

    def __init__(self, deployment_id: str, log: Callable[[str], None]) -> None:
        self.deployment_id = deployment_id
        self._log = log
        self._status: str | None = None
        self.events: dict[str, str] = {}
        self._traffic: tuple[tuple[str, float], ...] = ()
        self.target_id: str | None = None
        self.details_available = True
        self.details_failing = False

    def say(self, message: str) -> None:
        self._log(f"codedeploy {self.deployment_id}: {message}")

    def deployment(self, info: Mapping[str, Any]) -> None:
        status = info["status"]
        if status == self._status:
            return
        self._status = status
        if status == "Ready":
            self.say(
                "Ready: green passed its checks and waits for approval; approve with `aws deploy "
                f"continue-deployment --deployment-id {self.deployment_id} "
                "--deployment-wait-type READY_WAIT`"
            )
        else:
            self.say(status)

    def target(self, ecs_target: Mapping[str, Any]) -> None:
        for event in ecs_target.get("lifecycleEvents", []):
            name, status = event["lifecycleEventName"], event["status"]
            if status != "Pending" and self.events.get(name) != status:
                self.events[name] = status
                self.say(f"{name} {status}")
        traffic = tuple(
            sorted(
                (task_set.get("taskSetLabel", "?").lower(), float(task_set["trafficWeight"]))
                for task_set in ecs_target.get("taskSetsInfo", [])
                if "trafficWeight" in task_set
            )
        )
        if traffic and traffic != self._traffic:
            self._traffic = traffic
            self.say("traffic " + ", ".join(f"{label} {weight:g}%" for label, weight in traffic))

    def users_on_green(self, info: Mapping[str, Any]) -> bool:
        """All production traffic is on green and the after-traffic hooks passed: the
        deployment waits out its rollback window (termination wait) with blue kept."""
        if info["status"] != "InProgress":
            return False
        if info.get("instanceTerminationWaitTimeStarted"):
            return True
        return self.events.get("AllowTraffic") == "Succeeded" and self.events.get(
            "AfterAllowTraffic"
        ) in ("Succeeded", "Skipped")


class CodeDeployReleaser:
    """Runs and watches releases of one ECS service through its CodeDeploy deployment group.

    All AWS access goes through `clients`; time through `sleep` and `clock`; output through
    `log`. Tests pass stubs or fakes for all four, so every path runs instantly.
    `override_alarms` (a reason) releases with CloudWatch alarms off; the provider sets it only
    for the update in which the setting took a new value.
    """

    def __init__(
        self,
        spec: ReleaseSpec,
        clients: ClientFactory,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] = pulumi.log.info,
        override_alarms: str | None = None,
    ) -> None:
        self.spec = spec
        self._codedeploy = clients("codedeploy")
        self._ecs = clients("ecs")
        self._sleep = sleep
        self._clock = clock
        self._log = log
        self._override_alarms = override_alarms
        self._group: dict[str, Any] | None = None

    @property
    def _where(self) -> str:
        return f"{self.spec.application_name}/{self.spec.deployment_group_name}"

    # --- talking to AWS through trouble -----------------------------------------------------

    def _call(self, deadline: float, what: str, call: Callable[[], T]) -> T:
        """`call()`, asked again through throttling and outages until `deadline`.

        botocore's standard retry mode has already retried each request for about two minutes;
        this covers what outlasts that (a long throttling burst, a network outage on the
        machine running `pulumi up`). Other errors are raised at once."""
        trouble_since: float | None = None
        while True:
            try:
                result = call()
            except (ClientError, BotoCoreError) as error:
                if not is_transient(error):
                    raise
                now = self._clock()
                if trouble_since is None:
                    trouble_since = now
                    self._log(
                        f"codedeploy {self._where}: {what} failed ({describe_error(error)}); "
                        "retrying until the release budget ends"
                    )
                if now >= deadline:
                    raise DeploymentError(
                        f"CodeDeploy group {self._where}: {what} kept failing for "
                        f"{now - trouble_since:.0f} s until the release budget ended "
                        f"({describe_error(error)}); the deployment goes on inside CodeDeploy. "
                        "Check it with `aws deploy list-deployments --application-name "
                        f"{self.spec.application_name} --deployment-group-name "
                        f"{self.spec.deployment_group_name}` and run `pulumi up` again"
                    ) from None
                self._sleep(self.spec.poll_interval_seconds)
                continue
            if trouble_since is not None:
                self._log(
                    f"codedeploy {self._where}: {what} answers again after "
                    f"{self._clock() - trouble_since:.0f} s"
                )
            return result

    # --- what AWS says now ------------------------------------------------------------------

    def deployment_group(self) -> dict[str, Any]:
        if self._group is None:
            self._group = self._codedeploy.get_deployment_group(
                applicationName=self.spec.application_name,
                deploymentGroupName=self.spec.deployment_group_name,
            )["deploymentGroupInfo"]
        return self._group

    def timeout_minutes(self) -> int:
        if self.spec.timeout_minutes is not None:
            return self.spec.timeout_minutes
        group = self.deployment_group()
        config_name = group.get("deploymentConfigName") or DEFAULT_DEPLOYMENT_CONFIG
        routing = PREDEFINED_TRAFFIC_ROUTING.get(config_name)
        if routing is None:
            config = self._codedeploy.get_deployment_config(deploymentConfigName=config_name)
            routing = config["deploymentConfigInfo"].get("trafficRoutingConfig") or {}
        return derive_timeout_minutes(group, routing, len(self.spec.hooks))

    def serving(self) -> Serving:
        """What production runs: the PRIMARY task set, which CodeDeploy swaps when it moves
        production traffic (the service-level fields are the fallback)."""
        services = self._ecs.describe_services(
            cluster=self.spec.cluster_name, services=[self.spec.service_name]
        )["services"]
        return Serving.from_service(services[0]) if services else Serving(None)

    def running_task_definition(self) -> str | None:
        return self.serving().task_definition_arn

    def active_deployment_ids(self) -> list[str]:
        ids: list[str] = []
        for page in self._codedeploy.get_paginator("list_deployments").paginate(
            applicationName=self.spec.application_name,
            deploymentGroupName=self.spec.deployment_group_name,
            includeOnlyStatuses=list(ACTIVE_STATUSES),
        ):
            ids.extend(page.get("deployments", []))
        return ids

    def _get(self, deployment_id: str) -> dict[str, Any]:
        info: dict[str, Any] = self._codedeploy.get_deployment(deploymentId=deployment_id)[
            "deploymentInfo"
        ]
        return info

    def _get_through(self, deadline: float, deployment_id: str) -> dict[str, Any]:
        return self._call(deadline, "GetDeployment", functools.partial(self._get, deployment_id))

    def last_attempt(self) -> dict[str, Any] | None:
        """The newest deployment of this exact AppSpec among the group's last HISTORY_LIMIT,
        rollback deployments aside (they redeploy someone else's revision)."""
        ids: list[str] = []
        for page in self._codedeploy.get_paginator("list_deployments").paginate(
            applicationName=self.spec.application_name,
            deploymentGroupName=self.spec.deployment_group_name,
        ):
            ids.extend(page.get("deployments", []))
            if len(ids) >= HISTORY_LIMIT:
                break
        ids = ids[:HISTORY_LIMIT]
        wanted = self.spec.sha256()
        attempts = [
            info
            for start in range(0, len(ids), BATCH_GET_LIMIT)
            for info in self._codedeploy.batch_get_deployments(
                deploymentIds=ids[start : start + BATCH_GET_LIMIT]
            )["deploymentsInfo"]
            if _revision_sha256(info) == wanted and info.get("creator") != "codeDeployRollback"
        ]
        # The API documents no order for ListDeployments.
        return max(attempts, key=lambda info: info["createTime"]) if attempts else None

    # --- releasing --------------------------------------------------------------------------

    def _alarm_override(self, serving: Serving) -> dict[str, Any] | None:
        """The alarms of this deployment: off for a hotfix; green's own when known (the target
        group that is not serving now), so trouble on blue cannot roll the release back; else
        None, the deployment group's configuration."""
        if self._override_alarms:
            return {"enabled": False, "ignorePollAlarmFailure": False, "alarms": []}
        by_group = self.spec.alarms_by_target_group
        green = [arn for arn in by_group if arn != serving.target_group_arn]
        if serving.target_group_arn not in by_group or len(green) != 1:
            return None
        return {
            "enabled": True,
            "ignorePollAlarmFailure": False,
            "alarms": [{"name": name} for name in sorted(by_group[green[0]])],
        }

    def start_deployment(self, serving: Serving | None = None) -> str:
        spec = self.spec
        description = f"Release {spec.task_definition_arn} {DESCRIPTION_MARKER}"
        if spec.release_retry:
            description += f" retry:{spec.release_retry}"
        request: dict[str, Any] = {
            "applicationName": spec.application_name,
            "deploymentGroupName": spec.deployment_group_name,
            "revision": spec.revision(),
        }
        alarms = self._alarm_override(serving or Serving(None))
        if self._override_alarms:
            description += f" alarms-off:{self._override_alarms}"
        if alarms is not None:
            request["overrideAlarmConfiguration"] = alarms
        deployment_id: str = self._codedeploy.create_deployment(**request, description=description)[
            "deploymentId"
        ]
        return deployment_id

    def _refuse_a_failed_appspec_again(self, deadline: float) -> None:
        """No blind retries: every `pulumi up` would otherwise expose users (the canary's 10 %)
        to a release already known to fail."""
        last = self._call(deadline, "ListDeployments/BatchGetDeployments", self.last_attempt)
        if last is None or last["status"] not in UNSUCCESSFUL_STATUSES:
            return
        error = last.get("errorInformation") or {}
        reason = f"[{error.get('code', 'UNKNOWN')}] {error.get('message', 'no message')}"
        made_with = retry_token(last.get("description"))
        if self.spec.release_retry and self.spec.release_retry != made_with:
            self._log(
                f"codedeploy {self._where}: releaseRetry={self.spec.release_retry}: trying this "
                f"AppSpec again after deployment {last['deploymentId']} {last['status']}: {reason}"
            )
            return
        raise DeploymentError(
            f"Not releasing {self.spec.task_definition_arn} again: its last attempt, CodeDeploy "
            f"deployment {last['deploymentId']}, {last['status']}: {reason}\n"
            "  Push a fix (a new image makes a new release), or ask for another attempt of the "
            "same release with a new value: `pulumi config set releaseRetry <new value>`"
            + (f" (the failed attempt used {made_with!r})" if made_with else "")
        )

    def release(self) -> ReleaseOutcome:
        """Deploys the AppSpec unless the service already serves it.

        Waits for other deployments of the group first. Returns once users are on green (or,
        with `wait_for_completion`, on Succeeded); raises DeploymentError on failure, stop or
        timeout, after CodeDeploy's rollback has finished.
        """
        spec = self.spec
        budget_minutes = self.timeout_minutes()
        deadline = self._clock() + budget_minutes * 60
        while True:
            self._wait_for_other_deployments(deadline, budget_minutes)
            serving = self._call(deadline, "ECS DescribeServices", self.serving)
            differences = spec.differences(serving)
            if not differences:
                self._log(
                    f"codedeploy {self._where}: the service already runs "
                    f"{spec.task_definition_arn}; nothing to deploy"
                )
                return ReleaseOutcome(
                    serving.deployment_id, spec.task_definition_arn, "NothingToDeploy"
                )
            self._refuse_a_failed_appspec_again(deadline)
            if self._override_alarms:
                self._log(
                    f"WARNING codedeploy {self._where}: HOTFIX, CloudWatch alarms are OFF for this "
                    f"release (releaseOverrideAlarms={self._override_alarms}); an alarm will not "
                    "roll it back. Rollback on deployment failure stays on."
                )
            try:
                deployment_id = self.start_deployment(serving)
                break
            except ClientError as error:
                if _error_code(error) != RACE_REFUSAL and not is_transient(error):
                    raise
                # Another deployment started between our check and our request, or throttling
                # or an outage outlasted botocore's retries.
                raced = _error_code(error) == RACE_REFUSAL
                if self._clock() >= deadline:
                    raise DeploymentError(
                        f"CodeDeploy group {self._where} "
                        f"{'stayed busy' if raced else 'refused CreateDeployment'} for "
                        f"{budget_minutes} minutes ({describe_error(error)}); "
                        f"{spec.task_definition_arn} was not released"
                    ) from None
                self._log(
                    f"codedeploy {self._where}: {describe_error(error)}; "
                    + ("queueing behind it" if raced else "asking again")
                )
                self._sleep(spec.poll_interval_seconds)
        self._log(
            f"codedeploy {deployment_id}: started, releasing {spec.task_definition_arn} "
            f"(budget {budget_minutes} min)"
        )
        if serving.task_definition_arn == spec.task_definition_arn:
            self._log(f"codedeploy {deployment_id}: same task definition; {'; '.join(differences)}")
        return self._await_outcome(deployment_id, deadline, budget_minutes)

    def _wait_for_other_deployments(self, deadline: float, budget_minutes: int) -> None:
        """Never two at once: a deployment already running in the group (another push, a manual
        one, a rollback) is followed to its end, and one waiting out its rollback window is
        ended, since this release supersedes it. A failed one is only reported: it is not ours
        to fail on, and its rollback shows up as the next active deployment."""
        while True:
            active = self._call(deadline, "ListDeployments", self.active_deployment_ids)
            if not active:
                return
            for deployment_id in active:
                self._log(
                    f"codedeploy {deployment_id}: already running in {self._where}; waiting for "
                    "it to finish before releasing"
                )
                watched = self._watch(deployment_id, deadline, stop_at_green=True)
                if watched is not None and watched.on_green:
                    self._end_termination_wait(deployment_id)
                    watched = self._watch(deployment_id, deadline)
                if watched is None:
                    raise DeploymentError(
                        f"CodeDeploy deployment {deployment_id} was still running after "
                        f"{budget_minutes} minutes; {self.spec.task_definition_arn} was not "
                        "released (one deployment per group at a time). Check it with "
                        f"`aws deploy get-deployment --deployment-id {deployment_id}`"
                    )

    def _end_termination_wait(self, deployment_id: str) -> None:
        self._log(
            f"codedeploy {deployment_id}: users are on its green and it waits out its rollback "
            "window; ending the window (ContinueDeployment TERMINATION_WAIT) for the new release"
        )
        try:
            self._codedeploy.continue_deployment(
                deploymentId=deployment_id, deploymentWaitType="TERMINATION_WAIT"
            )
        except ClientError as error:
            # It ended, or left the wait, between the last poll and the request; watching on
            # tells how it ends either way.
            if _error_code(error) not in (ALREADY_COMPLETED, NOT_WAITING):
                raise

    def _watch(
        self, deployment_id: str, deadline: float, *, stop_at_green: bool = False
    ) -> Watched | None:
        """Polls until the deployment ends, or (`stop_at_green`) users are on green; None when
        `deadline` passes first."""
        progress = _Progress(deployment_id, self._log)
        while True:
            info = self._get_through(deadline, deployment_id)
            # The final status goes last, after the lifecycle event that decided it.
            terminal = info["status"] in TERMINAL_STATUSES
            if not terminal:
                progress.deployment(info)
            self._report_target(progress, info)
            if terminal:
                progress.deployment(info)
                return Watched(info)
            if stop_at_green and progress.users_on_green(info):
                return Watched(info, on_green=True)
            if self._clock() >= deadline:
                return None
            self._sleep(self.spec.poll_interval_seconds)

    def _report_target(self, progress: _Progress, info: Mapping[str, Any]) -> None:
        """Lifecycle events and traffic weights, a convenience: no error here ends a watch.
        Passing trouble skips one poll; a lasting refusal (no permission) ends the details."""
        # Targets exist once the deployment has started; before that the API refuses.
        if not progress.details_available or info["status"] in ("Created", "Queued"):
            return
        try:
            if progress.target_id is None:
                targets = self._codedeploy.list_deployment_targets(
                    deploymentId=progress.deployment_id
                )["targetIds"]
                if not targets:
                    return
                progress.target_id = targets[0]
            target = self._codedeploy.get_deployment_target(
                deploymentId=progress.deployment_id, targetId=progress.target_id
            )["deploymentTarget"]
        except (ClientError, BotoCoreError) as error:
            if is_transient(error):
                if not progress.details_failing:
                    progress.say(f"lifecycle details unavailable for now ({describe_error(error)})")
                progress.details_failing = True
                return
            progress.details_available = False
            code = _error_code(error) if isinstance(error, ClientError) else type(error).__name__
            progress.say(f"lifecycle details unavailable ({code}); still watching")
            return
        progress.details_failing = False
        progress.target(target.get("ecsTarget") or {})

    def _await_outcome(
        self, deployment_id: str, deadline: float, budget_minutes: int
    ) -> ReleaseOutcome:
        spec = self.spec
        watched = self._watch(deployment_id, deadline, stop_at_green=not spec.wait_for_completion)
        timed_out = watched is None
        if watched is None:
            self._log(
                f"codedeploy {deployment_id}: not finished after {budget_minutes} minutes; "
                "stopping it with rollback"
            )
            self._stop_with_rollback(deployment_id)
            watched = self._watch(deployment_id, self._clock() + budget_minutes * 60)
            if watched is None:
                raise DeploymentError(
                    f"CodeDeploy deployment {deployment_id} did not finish within "
                    f"{budget_minutes} minutes and did not stop after a stop request; "
                    f"check it with `aws deploy get-deployment --deployment-id {deployment_id}`"
                )
        if watched.on_green:
            window = termination_wait_minutes(self.deployment_group())
            self._log(
                f"codedeploy {deployment_id}: users are on green ({spec.task_definition_arn}): "
                f"all production traffic moved and the after-traffic hooks passed. Blue is kept "
                f"for the rollback window ({window} min). Roll back by hand within it: `aws "
                "deploy stop-deployment "
                f"--deployment-id {deployment_id} --auto-rollback-enabled`; end it now: `aws "
                f"deploy continue-deployment --deployment-id {deployment_id} "
                "--deployment-wait-type TERMINATION_WAIT`. A rollback after this point is "
                "announced on the release-events SNS topic and by the next `pulumi preview`."
            )
            return ReleaseOutcome(deployment_id, spec.task_definition_arn, "UsersOnGreen", window)
        if watched.info["status"] == "Succeeded":
            self._log(f"codedeploy {deployment_id}: {spec.task_definition_arn} is live")
            return ReleaseOutcome(deployment_id, spec.task_definition_arn, "Succeeded")
        raise DeploymentError(self._failure_message(watched.info, budget_minutes, timed_out))

    def _stop_with_rollback(self, deployment_id: str) -> None:
        try:
            self._codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
        except ClientError as error:
            # It ended between the last poll and the request; the next poll reports how.
            if _error_code(error) != ALREADY_COMPLETED:
                raise

    def _rollback_expected(self, requested_by_us: bool) -> bool:
        if requested_by_us:
            return True
        auto_rollback = self.deployment_group().get("autoRollbackConfiguration") or {}
        return bool(auto_rollback.get("enabled"))

    def _rollback_id(
        self, info: dict[str, Any], expected: bool
    ) -> tuple[str | None, dict[str, Any]]:
        """CodeDeploy names the rollback deployment shortly after the failure; wait for it
        briefly when one is expected."""
        deadline = self._clock() + ROLLBACK_GRACE_SECONDS
        while True:
            rollback_id = (info.get("rollbackInfo") or {}).get("rollbackDeploymentId")
            if rollback_id or not expected or self._clock() >= deadline:
                return rollback_id, info
            self._sleep(self.spec.poll_interval_seconds)
            info = self._get_through(self._clock() + ROLLBACK_GRACE_SECONDS, info["deploymentId"])

    def _follow_rollback(
        self, info: dict[str, Any], expected: bool, budget_minutes: int
    ) -> tuple[str, dict[str, Any]]:
        """Waits for the rollback of a failed or stopped deployment; returns a line saying how
        it went, and the deployment's latest info."""
        rollback_id, info = self._rollback_id(info, expected)
        if not rollback_id:
            why = (info.get("rollbackInfo") or {}).get("rollbackMessage")
            return "no rollback deployment" + (f" ({why})" if why else ""), info
        self._log(f"codedeploy {info['deploymentId']}: waiting for rollback {rollback_id}")
        rollback = self._watch(rollback_id, self._clock() + budget_minutes * 60)
        if rollback is None:
            return f"rollback {rollback_id}: still running after {budget_minutes} minutes", info
        return f"rollback {rollback_id}: {rollback.info['status']}", info

    def _failure_message(self, info: dict[str, Any], budget_minutes: int, timed_out: bool) -> str:
        deployment_id = info["deploymentId"]
        rollback_line, info = self._follow_rollback(
            info, self._rollback_expected(timed_out), budget_minutes
        )
        error = info.get("errorInformation") or {}
        reason = f"[{error.get('code', 'UNKNOWN')}] {error.get('message', 'no message')}"
        if timed_out:
            headline = (
                f"CodeDeploy deployment {deployment_id} did not finish within {budget_minutes} "
                f"minutes and was stopped with rollback: {reason}"
            )
        else:
            headline = f"CodeDeploy deployment {deployment_id} {info['status']}: {reason}"
        serving = self.running_task_definition()
        return (
            f"{headline}\n"
            f"  release: {self.spec.task_definition_arn} (not deployed)\n"
            f"  {rollback_line}\n"
            f"  serving: {serving}"
        )

    # --- looking (preview, refresh) ---------------------------------------------------------

    def drift(self, deployment_id: str | None) -> list[str]:
        """Why the recorded release is not what serves (empty when it is): a rollback after
        `pulumi up` returned, a manual redeploy, a deployment that ended badly."""
        found = [f"serving {d}" for d in self.spec.differences(self.serving())]
        if deployment_id:
            info = self._get(deployment_id)
            if info["status"] in UNSUCCESSFUL_STATUSES:
                error = info.get("errorInformation") or {}
                rollback = (info.get("rollbackInfo") or {}).get("rollbackDeploymentId")
                found.append(
                    f"deployment {deployment_id} {info['status']} after `pulumi up` returned: "
                    f"[{error.get('code', 'UNKNOWN')}] {error.get('message', 'no message')}"
                    + (f" (rolled back by {rollback})" if rollback else "")
                )
        return found

    # --- deleting ---------------------------------------------------------------------------

    def stop_all_deployments(self) -> list[str]:
        """Stops, with rollback, every deployment still running in the group, ours or not (the
        service is going away), waits for each and for its rollback, also one CodeDeploy names
        late, and returns what it stopped. Rollback deployments are waited for, not stopped."""
        # The group's settings may be gone already, so no derived budget: a fixed one.
        budget_minutes = self.spec.timeout_minutes or DELETE_BUDGET_MINUTES
        deadline = self._clock() + budget_minutes * 60
        try:
            active = self._call(deadline, "ListDeployments", self.active_deployment_ids)
        except ClientError as error:
            if _error_code(error) in GROUP_GONE:
                return []
            raise
        stopped: list[str] = []
        for deployment_id in active:
            info = self._get_through(deadline, deployment_id)
            if info.get("creator") == "codeDeployRollback":
                self._log(f"codedeploy {deployment_id}: a rollback; waiting for it to finish")
                self._watch(deployment_id, deadline)
                continue
            started_as = info.get("description") or "no description"
            self._log(
                f"codedeploy {deployment_id}: {info['status']} ({started_as}); stopping it with "
                "rollback, the service is being deleted"
            )
            self._stop_with_rollback(deployment_id)
            final = self._watch(deployment_id, deadline)
            if final is None:
                stopped.append(f"{deployment_id} (still stopping after {budget_minutes} min)")
                continue
            rollback_line, _ = self._follow_rollback(final.info, True, budget_minutes)
            stopped.append(f"{deployment_id} {final.info['status']}, {rollback_line}")
        if stopped:
            self._log(f"codedeploy {self._where}: stopped before delete: {'; '.join(stopped)}")
        return stopped
