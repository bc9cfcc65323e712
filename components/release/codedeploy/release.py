"""A Pulumi resource whose update *is* a CodeDeploy blue/green release of an ECS service.

No Pulumi, Terraform or CDK core resource starts an ECS CodeDeploy deployment, so this module
brings one: `CodeDeployDeployment` is a dynamic resource keyed on the task definition ARN. A new
image makes a new task definition revision, the diff sees a new ARN, and `update` runs
CreateDeployment with an inline AppSpec, follows it to the end and fails `pulumi up` (with
CodeDeploy's `[code] message`) when the release fails. See docs/releases.md for the runbook.

Decisions (details at each function):
- Nothing is deployed when the service already runs the wanted task definition: true right after
  the service is created, and after an interrupted `pulumi up` whose release went on to succeed.
- One deployment per group at a time: a running one (another push, a manual one, a rollback) is
  waited for first; CodeDeploy's own DeploymentAlreadyInProgressException race is retried.
- A release that outlives its time budget is stopped with rollback, so AWS is left with blue
  serving, and the update fails. The budget is derived from the deployment group's own waits.
- Failing `update` keeps the previous state, so the state names the task definition that is
  actually serving. A failing `create` records nothing and the next `pulumi up` tries again.

The provider runs in a separate process (`python -m pulumi.dynamic`), deserialized with dill from
the state. dill stores classes of importable modules by reference, so the provider instance
carries no code and no clients: the process imports this module from the project directory and
builds boto3 clients from the normal credential chain at call time. That process has no engine
connection (pulumi/pulumi#6065), so `pulumi.log` falls back to stderr, which the engine shows as
info lines of the update: that is where release progress appears.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pulumi
import pulumi.dynamic
from botocore.exceptions import ClientError

from components.release.codedeploy.appspec import appspec_revision, build_appspec, hook_errors

#: Deployment statuses that hold the group: CodeDeploy runs one deployment per group at a time.
ACTIVE_STATUSES: tuple[str, ...] = ("Created", "Queued", "InProgress", "Ready", "Baking")
TERMINAL_STATUSES: frozenset[str] = frozenset({"Succeeded", "Failed", "Stopped"})

#: Put in the description of every deployment this resource starts, so `delete` stops only its own.
DESCRIPTION_MARKER = "[pulumi CodeDeployDeployment]"

#: Traffic routing of the predefined ECS configs (as GetDeploymentConfig would return it), so
#: the common case needs no extra API call.
PREDEFINED_TRAFFIC_ROUTING: dict[str, dict[str, Any]] = {
    "CodeDeployDefault.ECSAllAtOnce": {"type": "AllAtOnce"},
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 1},
    },
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 3},
    },
    "CodeDeployDefault.ECSCanary10Percent5Minutes": {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5},
    },
    "CodeDeployDefault.ECSCanary10Percent15Minutes": {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 15},
    },
}
#: What an ECS deployment group uses when it names no config.
DEFAULT_DEPLOYMENT_CONFIG = "CodeDeployDefault.ECSAllAtOnce"

#: Budget for what the group's settings do not bound: starting the green task set (image pull,
#: container start, target-group health checks) and CodeDeploy's own steps. 15 minutes is several
#: times what a healthy Fargate task set needs and still fails a stuck release the same hour.
PROVISIONING_MARGIN_MINUTES = 15
#: Budget per lifecycle hook. The built-in test gate needs about a minute; CodeDeploy itself
#: lets a hook run an hour, so a slower custom hook needs an explicit `timeout_minutes`.
HOOK_MARGIN_MINUTES = 5
#: How long a failed or stopped deployment gets to name its rollback deployment, when a rollback
#: is expected, before the failure is reported without one.
ROLLBACK_GRACE_SECONDS = 60

#: Bounds of `timeout_minutes`: three times CodeDeploy's two-day limit on each of its waits.
TIMEOUT_MINUTES_RANGE = (5, 3 * 2880)
POLL_INTERVAL_RANGE = (1, 300)
_PLATFORM_VERSION = re.compile(r"^(LATEST|\d+\.\d+\.\d+)$")

#: Inputs whose change can need a release (diff -> update). Timeouts and polling only shape how
#: a release is watched, so changing them alone is not an update.
RELEASE_KEYS: tuple[str, ...] = (
    "application_name",
    "deployment_group_name",
    "cluster_name",
    "service_name",
    "task_definition_arn",
    "container_name",
    "container_port",
    "platform_version",
    "hooks",
    "region",
)

#: Builds a boto3 client for a service name ("codedeploy", "ecs").
ClientFactory = Callable[[str], Any]


class DeploymentError(Exception):
    """A release did not succeed; the message is what `pulumi up` shows."""


def boto3_clients(region: str) -> ClientFactory:
    """Clients from the normal AWS credential chain (AWS_PROFILE, env, SSO, OIDC web identity)."""
    session = boto3.session.Session(region_name=region)
    return session.client


@dataclass
class CodeDeployDeploymentArgs:
    """What to release and where. The component passes its own resources' outputs."""

    application_name: pulumi.Input[str]
    """The CodeDeploy application (compute platform ECS)."""
    deployment_group_name: pulumi.Input[str]
    """The BLUE_GREEN deployment group of the service."""
    cluster_name: pulumi.Input[str]
    """The ECS cluster, to see which task definition the service runs now."""
    service_name: pulumi.Input[str]
    """The ECS service (CODE_DEPLOY deployment controller)."""
    task_definition_arn: pulumi.Input[str]
    """The revision to release. A new ARN is a new release."""
    container_name: str
    """The container the load balancer routes to (AppSpec LoadBalancerInfo.ContainerName)."""
    container_port: int
    """Its port (AppSpec LoadBalancerInfo.ContainerPort)."""
    region: pulumi.Input[str]
    """The AWS region, the same as the aws provider's."""
    hooks: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Lifecycle event name -> Lambda function ARN. Default none."""
    platform_version: str | None = None
    """Fargate platform version for green. Default None: left out of the AppSpec, so AWS uses
    LATEST."""
    timeout_minutes: int | None = None
    """Give up (stop with rollback, fail the update) after this long. Default None: derived from
    the deployment group, see `derive_timeout_minutes`."""
    poll_interval_seconds: int = 15
    """How often the release is polled. Default 15 s, as cdklabs/cdk-ecs-codedeploy does: well
    within CodeDeploy's API limits and fine-grained next to minute-long steps."""

    def __post_init__(self) -> None:
        errors = hook_errors(self.hooks, "CodeDeployDeploymentArgs.hooks")
        if not self.container_name:
            errors.append("CodeDeployDeploymentArgs.container_name: must not be empty")
        if not 1 <= self.container_port <= 65535:
            errors.append(
                f"CodeDeployDeploymentArgs.container_port: {self.container_port} is outside "
                "1..65535"
            )
        if self.platform_version is not None and not _PLATFORM_VERSION.match(self.platform_version):
            errors.append(
                f"CodeDeployDeploymentArgs.platform_version: {self.platform_version!r} is not "
                "LATEST or a version like 1.4.0"
            )
        low, high = TIMEOUT_MINUTES_RANGE
        if self.timeout_minutes is not None and not low <= self.timeout_minutes <= high:
            errors.append(
                f"CodeDeployDeploymentArgs.timeout_minutes: {self.timeout_minutes} is outside "
                f"{low}..{high}"
            )
        low, high = POLL_INTERVAL_RANGE
        if not low <= self.poll_interval_seconds <= high:
            errors.append(
                "CodeDeployDeploymentArgs.poll_interval_seconds: "
                f"{self.poll_interval_seconds} is outside {low}..{high}"
            )
        if errors:
            raise ValueError("invalid CodeDeployDeployment settings: " + "; ".join(errors))


@dataclass(frozen=True)
class ReleaseSpec:
    """The resolved inputs of one release, as the provider receives them."""

    application_name: str
    deployment_group_name: str
    cluster_name: str
    service_name: str
    task_definition_arn: str
    container_name: str
    container_port: int
    region: str
    hooks: Mapping[str, str] = field(default_factory=dict)
    platform_version: str | None = None
    timeout_minutes: int | None = None
    poll_interval_seconds: int = 15

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> ReleaseSpec:
        # Numbers come back from the engine as floats.
        timeout = props.get("timeout_minutes")
        return cls(
            application_name=props["application_name"],
            deployment_group_name=props["deployment_group_name"],
            cluster_name=props["cluster_name"],
            service_name=props["service_name"],
            task_definition_arn=props["task_definition_arn"],
            container_name=props["container_name"],
            container_port=int(props["container_port"]),
            region=props["region"],
            hooks=dict(props.get("hooks") or {}),
            platform_version=props.get("platform_version"),
            timeout_minutes=None if timeout is None else int(timeout),
            poll_interval_seconds=int(props.get("poll_interval_seconds") or 15),
        )

    def revision(self) -> dict[str, Any]:
        return appspec_revision(
            build_appspec(
                task_definition_arn=self.task_definition_arn,
                container_name=self.container_name,
                container_port=self.container_port,
                platform_version=self.platform_version,
                hooks=self.hooks,
            )
        )


@dataclass(frozen=True)
class ReleaseOutcome:
    """`deployment_id` is None when nothing had to be deployed."""

    deployment_id: str | None
    task_definition_arn: str


def traffic_shift_minutes(traffic_routing: Mapping[str, Any]) -> int:
    """Minutes from the first to the last production traffic increment of a routing config.

    Canary waits one interval; linear waits one interval between each of its ceil(100/p)
    steps; all-at-once does not wait.
    """
    kind = traffic_routing.get("type", "AllAtOnce")
    if kind == "TimeBasedCanary":
        return int(traffic_routing["timeBasedCanary"]["canaryInterval"])
    if kind == "TimeBasedLinear":
        linear = traffic_routing["timeBasedLinear"]
        steps = math.ceil(100 / int(linear["linearPercentage"]))
        return (steps - 1) * int(linear["linearInterval"])
    return 0


def derive_timeout_minutes(
    group: Mapping[str, Any], traffic_routing: Mapping[str, Any], hook_count: int
) -> int:
    """The release budget when `timeout_minutes` is not set:

        ready wait (approval window) + traffic shift + blue termination wait
        + PROVISIONING_MARGIN_MINUTES + HOOK_MARGIN_MINUTES per hook

    The waits come from the group's blue/green settings, so a group that waits two hours for
    approval gets more than two hours; CodeDeploy enforces its own waits first, which keeps the
    outcome CodeDeploy's decision rather than ours.
    """
    blue_green = group.get("blueGreenDeploymentConfiguration") or {}
    ready_wait = (blue_green.get("deploymentReadyOption") or {}).get("waitTimeInMinutes", 0)
    termination = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    termination_wait = termination.get("terminationWaitTimeInMinutes", 0)
    return (
        int(ready_wait)
        + traffic_shift_minutes(traffic_routing)
        + int(termination_wait)
        + PROVISIONING_MARGIN_MINUTES
        + HOOK_MARGIN_MINUTES * hook_count
    )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class _Progress:
    """Reports one deployment's progress, printing only what changed since the last poll."""

    def __init__(self, deployment_id: str, log: Callable[[str], None]) -> None:
        self.deployment_id = deployment_id
        self._log = log
        self._status: str | None = None
        self._events: dict[str, str] = {}
        self._traffic: tuple[tuple[str, float], ...] = ()
        self.target_id: str | None = None
        self.details_available = True

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
            if status != "Pending" and self._events.get(name) != status:
                self._events[name] = status
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


class CodeDeployReleaser:
    """Runs and watches releases of one ECS service through its CodeDeploy deployment group.

    All AWS access goes through `clients`; time through `sleep` and `clock`; output through
    `log`. Tests pass stubs for all four, so every path runs instantly.
    """

    def __init__(
        self,
        spec: ReleaseSpec,
        clients: ClientFactory,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] = pulumi.log.info,
    ) -> None:
        self.spec = spec
        self._codedeploy = clients("codedeploy")
        self._ecs = clients("ecs")
        self._sleep = sleep
        self._clock = clock
        self._log = log
        self._group: dict[str, Any] | None = None

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

    def running_task_definition(self) -> str | None:
        """The task definition serving production: the PRIMARY task set's, which CodeDeploy
        swaps at the end of a release (the service-level field is the fallback)."""
        services = self._ecs.describe_services(
            cluster=self.spec.cluster_name, services=[self.spec.service_name]
        )["services"]
        if not services:
            return None
        service = services[0]
        for task_set in service.get("taskSets", []):
            if task_set.get("status") == "PRIMARY":
                return str(task_set["taskDefinition"])
        task_definition = service.get("taskDefinition")
        return None if task_definition is None else str(task_definition)

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

    # --- releasing --------------------------------------------------------------------------

    def start_deployment(self) -> str:
        deployment_id: str = self._codedeploy.create_deployment(
            applicationName=self.spec.application_name,
            deploymentGroupName=self.spec.deployment_group_name,
            revision=self.spec.revision(),
            description=f"Release {self.spec.task_definition_arn} {DESCRIPTION_MARKER}",
        )["deploymentId"]
        return deployment_id

    def release(self) -> ReleaseOutcome:
        """Deploys `spec.task_definition_arn` unless the service already runs it.

        Waits for other deployments of the group first. Returns on success; raises
        DeploymentError on failure, stop or timeout, after CodeDeploy's rollback has finished.
        """
        spec = self.spec
        budget_minutes = self.timeout_minutes()
        queue_deadline = self._clock() + budget_minutes * 60
        while True:
            self._wait_for_other_deployments(queue_deadline, budget_minutes)
            running = self.running_task_definition()
            if running == spec.task_definition_arn:
                self._log(
                    f"codedeploy {spec.application_name}/{spec.deployment_group_name}: the service "
                    f"already runs {running}; nothing to deploy"
                )
                return ReleaseOutcome(None, spec.task_definition_arn)
            try:
                deployment_id = self.start_deployment()
                break
            except ClientError as error:
                if _error_code(error) != "DeploymentAlreadyInProgressException":
                    raise
                # Another deployment won the race between our check and our request.
                if self._clock() >= queue_deadline:
                    raise DeploymentError(
                        f"CodeDeploy group {spec.application_name}/{spec.deployment_group_name} "
                        f"stayed busy for {budget_minutes} minutes; {spec.task_definition_arn} "
                        "was not released"
                    ) from None
                self._sleep(spec.poll_interval_seconds)
        self._log(
            f"codedeploy {deployment_id}: started, releasing {spec.task_definition_arn} "
            f"(budget {budget_minutes} min)"
        )
        self._await_outcome(deployment_id, budget_minutes)
        return ReleaseOutcome(deployment_id, spec.task_definition_arn)

    def _wait_for_other_deployments(self, deadline: float, budget_minutes: int) -> None:
        """Never two at once: a deployment already running in the group (another push, a manual
        one, a rollback) is followed to its end. A failed one is only reported: it is not ours
        to fail on, and its rollback shows up as the next active deployment."""
        while True:
            active = self.active_deployment_ids()
            if not active:
                return
            for deployment_id in active:
                self._log(
                    f"codedeploy {deployment_id}: already running in "
                    f"{self.spec.application_name}/{self.spec.deployment_group_name}; "
                    "waiting for it to finish before releasing"
                )
                info = self._watch(deployment_id, deadline)
                if info is None:
                    raise DeploymentError(
                        f"CodeDeploy deployment {deployment_id} was still running after "
                        f"{budget_minutes} minutes; {self.spec.task_definition_arn} was not "
                        "released (one deployment per group at a time). Check it with "
                        f"`aws deploy get-deployment --deployment-id {deployment_id}`"
                    )

    def _watch(self, deployment_id: str, deadline: float) -> dict[str, Any] | None:
        """Polls until the deployment ends (returns its info) or `deadline` passes (None)."""
        progress = _Progress(deployment_id, self._log)
        while True:
            info = self._get(deployment_id)
            # The final status goes last, after the lifecycle event that decided it.
            terminal = info["status"] in TERMINAL_STATUSES
            if not terminal:
                progress.deployment(info)
            self._report_target(progress, info)
            if terminal:
                progress.deployment(info)
                return info
            if self._clock() >= deadline:
                return None
            self._sleep(self.spec.poll_interval_seconds)

    def _report_target(self, progress: _Progress, info: Mapping[str, Any]) -> None:
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
        except ClientError as error:
            # Progress lines are a convenience; the outcome still comes from GetDeployment.
            progress.details_available = False
            progress.say(f"lifecycle details unavailable ({_error_code(error)}); still watching")
            return
        progress.target(target.get("ecsTarget") or {})

    def _await_outcome(self, deployment_id: str, budget_minutes: int) -> None:
        info = self._watch(deployment_id, self._clock() + budget_minutes * 60)
        timed_out = info is None
        if info is None:
            self._log(
                f"codedeploy {deployment_id}: not finished after {budget_minutes} minutes; "
                "stopping it with rollback"
            )
            self._stop_with_rollback(deployment_id)
            info = self._watch(deployment_id, self._clock() + budget_minutes * 60)
            if info is None:
                raise DeploymentError(
                    f"CodeDeploy deployment {deployment_id} did not finish within "
                    f"{budget_minutes} minutes and did not stop after a stop request; "
                    f"check it with `aws deploy get-deployment --deployment-id {deployment_id}`"
                )
        if info["status"] == "Succeeded":
            self._log(f"codedeploy {deployment_id}: {self.spec.task_definition_arn} is live")
            return
        raise DeploymentError(self._failure_message(info, budget_minutes, timed_out))

    def _stop_with_rollback(self, deployment_id: str) -> None:
        try:
            self._codedeploy.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
        except ClientError as error:
            # It ended between the last poll and the request; the next poll reports how.
            if _error_code(error) != "DeploymentAlreadyCompletedException":
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
            info = self._get(info["deploymentId"])

    def _failure_message(self, info: dict[str, Any], budget_minutes: int, timed_out: bool) -> str:
        deployment_id = info["deploymentId"]
        rollback_id, info = self._rollback_id(info, self._rollback_expected(timed_out))
        error = info.get("errorInformation") or {}
        reason = f"[{error.get('code', 'UNKNOWN')}] {error.get('message', 'no message')}"
        if timed_out:
            headline = (
                f"CodeDeploy deployment {deployment_id} did not finish within {budget_minutes} "
                f"minutes and was stopped with rollback: {reason}"
            )
        else:
            headline = f"CodeDeploy deployment {deployment_id} {info['status']}: {reason}"
        if rollback_id:
            self._log(f"codedeploy {deployment_id}: waiting for rollback {rollback_id}")
            rollback = self._watch(rollback_id, self._clock() + budget_minutes * 60)
            rollback_line = (
                f"rollback {rollback_id}: {rollback['status']}"
                if rollback
                else f"rollback {rollback_id}: still running after {budget_minutes} minutes"
            )
        else:
            why = (info.get("rollbackInfo") or {}).get("rollbackMessage")
            rollback_line = "no rollback deployment" + (f" ({why})" if why else "")
        serving = self.running_task_definition()
        return (
            f"{headline}\n"
            f"  release: {self.spec.task_definition_arn} (not deployed)\n"
            f"  {rollback_line}\n"
            f"  serving: {serving}"
        )

    # --- deleting ---------------------------------------------------------------------------

    def stop_own_deployments(self) -> None:
        """Stops, with rollback, a deployment this resource started that is still running (an
        interrupted `pulumi up`), and waits for it and its rollback: the service is going away."""
        try:
            active = self.active_deployment_ids()
        except ClientError as error:
            if _error_code(error) in (
                "ApplicationDoesNotExistException",
                "DeploymentGroupDoesNotExistException",
            ):
                return
            raise
        for deployment_id in active:
            info = self._get(deployment_id)
            if DESCRIPTION_MARKER not in (info.get("description") or ""):
                continue
            budget_minutes = self.timeout_minutes()
            self._log(
                f"codedeploy {deployment_id}: stopping it with rollback, the resource is being "
                "deleted"
            )
            self._stop_with_rollback(deployment_id)
            final = self._watch(deployment_id, self._clock() + budget_minutes * 60)
            rollback_id = ((final or {}).get("rollbackInfo") or {}).get("rollbackDeploymentId")
            if rollback_id:
                self._watch(rollback_id, self._clock() + budget_minutes * 60)


def _outputs(props: Mapping[str, Any], outcome: ReleaseOutcome) -> dict[str, Any]:
    # Diff and update receive the previous *outputs* as `olds`, so the inputs are kept in them.
    outs = {key: value for key, value in props.items() if key != "__provider"}
    outs["deployment_id"] = outcome.deployment_id
    outs["task_definition_arn"] = outcome.task_definition_arn
    return outs


class CodeDeployDeploymentProvider(pulumi.dynamic.ResourceProvider):
    """Dynamic provider of `CodeDeployDeployment`. Every argument is a test seam and defaults
    to the real thing (boto3, time.sleep, time.monotonic, pulumi.log.info); the resource builds
    it with none, so the pickled provider holds no state at all."""

    # It captures no secrets: credentials come from the environment of the provider process.
    serialize_as_secret_always = False

    def __init__(
        self,
        clients: Callable[[str], ClientFactory] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._clients = clients
        self._sleep = sleep
        self._clock = clock
        self._log = log

    def releaser(self, props: Mapping[str, Any]) -> CodeDeployReleaser:
        spec = ReleaseSpec.from_props(props)
        return CodeDeployReleaser(
            spec,
            (self._clients or boto3_clients)(spec.region),
            sleep=self._sleep or time.sleep,
            clock=self._clock or time.monotonic,
            log=self._log or pulumi.log.info,
        )

    def _release(self, props: Mapping[str, Any]) -> ReleaseOutcome:
        try:
            return self.releaser(props).release()
        except DeploymentError as error:
            # The dynamic provider host prints the whole traceback; drop ours from it so the
            # message is what stands out in `pulumi up`.
            raise DeploymentError(str(error)) from None

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outcome = self._release(props)
        return pulumi.dynamic.CreateResult(
            id_=f"{props['application_name']}/{props['deployment_group_name']}",
            outs=_outputs(props, outcome),
        )

    def update(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        outcome = self._release(news)
        outs = _outputs(news, outcome)
        if outcome.deployment_id is None and olds.get("task_definition_arn") == (
            outcome.task_definition_arn
        ):
            # Nothing new went out (a hook or container setting changed): the deployment that
            # made this revision live is still the one on record.
            outs["deployment_id"] = olds.get("deployment_id")
        return pulumi.dynamic.UpdateResult(outs=outs)

    def diff(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        changed = [key for key in RELEASE_KEYS if olds.get(key) != news.get(key)]
        return pulumi.dynamic.DiffResult(
            changes=bool(changed), replaces=[], delete_before_replace=False
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self.releaser(props).stop_own_deployments()


class CodeDeployDeployment(pulumi.dynamic.Resource):
    """The release of `args.task_definition_arn` to an ECS service through CodeDeploy.

    Outputs: `deployment_id` (None when nothing had to be deployed) and `task_definition_arn`
    (the revision this resource last made live).
    """

    deployment_id: pulumi.Output[str | None]
    task_definition_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: CodeDeployDeploymentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "application_name": args.application_name,
            "deployment_group_name": args.deployment_group_name,
            "cluster_name": args.cluster_name,
            "service_name": args.service_name,
            "task_definition_arn": args.task_definition_arn,
            "container_name": args.container_name,
            "container_port": args.container_port,
            "region": args.region,
            "hooks": dict(args.hooks),
            "platform_version": args.platform_version,
            "timeout_minutes": args.timeout_minutes,
            "poll_interval_seconds": args.poll_interval_seconds,
            "deployment_id": None,
        }
        super().__init__(CodeDeployDeploymentProvider(), name, props, opts)
