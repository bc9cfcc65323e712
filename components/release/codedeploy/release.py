"""A Pulumi resource whose update *is* a CodeDeploy blue/green release of an ECS service.

No Pulumi, Terraform or CDK core resource starts an ECS CodeDeploy deployment, so this module
brings one: `CodeDeployDeployment` is a dynamic resource keyed on the whole AppSpec (task
definition, container port, network configuration, hooks). A new image makes a new task
definition revision, the diff sees it, and `update` runs CreateDeployment with an inline AppSpec
and follows it until users are on green (or to the end), failing `pulumi up` with CodeDeploy's
`[code] message` when the release fails. See docs/releases.md for the runbook.

Decisions (details at each function):
- Nothing is deployed when the service's PRIMARY task set already runs the wanted AppSpec
  (task definition, container port, network): true right after the service is created, and
  after an interrupted `pulumi up` whose release went on to succeed.
- One deployment per group at a time: a running one (another push, a manual one, a rollback) is
  waited for first; one that waits out its rollback window (termination wait) is ended with
  ContinueDeployment(TERMINATION_WAIT), since a new release supersedes it. CodeDeploy's own
  refusal when a deployment slipped in between (DeploymentLimitExceededException) is queued on.
- `pulumi up` returns once all production traffic is on green and the after-traffic hooks
  passed; the rollback window goes on in CodeDeploy. `wait_for_completion` waits for Succeeded.
- No blind retries: the same AppSpec is not deployed again after its last attempt failed or was
  stopped, unless `release_retry` carries a value that attempt was not made with.
- Passing AWS trouble (throttling, 5xx, connection errors) is retried by botocore's standard
  mode and then by the watch loop until the release budget ends; progress details never end a
  watch. A release that outlives its budget is stopped with rollback and the update fails.
- `read` and `diff` look at what serves (the PRIMARY task set), so `pulumi refresh` and the next
  preview see manual redeploys and rollbacks, including one that happened after `pulumi up`.
- Failing `update` keeps the previous state. A failing `create` records nothing.

The provider runs in a separate process (`python -m pulumi.dynamic`), deserialized with dill from
the state. dill stores classes of importable modules by reference, so the provider instance
carries no code and no clients: the process imports this module from the project directory and
builds botocore clients at call time, as the identity in the inputs (`credentials.py`). That
process has no engine connection (pulumi/pulumi#6065), so `pulumi.log` falls back to stderr,
which the engine shows as info lines of the update: that is where release progress appears.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pulumi
import pulumi.dynamic
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from components.release.codedeploy.appspec import (
    ASSIGN_PUBLIC_IP,
    AwsvpcConfiguration,
    appspec_revision,
    build_appspec,
    hook_errors,
)
from components.release.codedeploy.credentials import (
    LOOK_CONFIG,
    WATCH_CONFIG,
    AwsIdentity,
    ClientFactory,
    clients_for,
)

#: Deployment statuses that hold the group: CodeDeploy runs one deployment per group at a time.
ACTIVE_STATUSES: tuple[str, ...] = ("Created", "Queued", "InProgress", "Ready", "Baking")
TERMINAL_STATUSES: frozenset[str] = frozenset({"Succeeded", "Failed", "Stopped"})
UNSUCCESSFUL_STATUSES: frozenset[str] = frozenset({"Failed", "Stopped"})

#: Put in the description of every deployment this resource starts.
DESCRIPTION_MARKER = "[pulumi CodeDeployDeployment]"
#: How a deployment's description records the `release_retry` value it was started with.
_RETRY_TAG = re.compile(r"\bretry:(\S+)")

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
#: Deployments of the group looked at for an earlier attempt of the same AppSpec: four
#: BatchGetDeployments calls (25 each), weeks of history for a service released a few times a day.
HISTORY_LIMIT = 100
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

#: Bounds of `timeout_minutes`: three times CodeDeploy's two-day limit on each of its waits.
TIMEOUT_MINUTES_RANGE = (5, 3 * 2880)
POLL_INTERVAL_RANGE = (1, 300)
_PLATFORM_VERSION = re.compile(r"^(LATEST|\d+\.\d+\.\d+)$")
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

#: Inputs whose change can need a release (diff -> update): what the AppSpec is built from.
#: Timeouts, polling, identity, the return point and the retry/hotfix tokens only shape how a
#: release is run, so changing them alone is not an update.
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
    "subnets",
    "security_groups",
    "assign_public_ip",
)

T = TypeVar("T")


class DeploymentError(Exception):
    """A release did not succeed; the message is what `pulumi up` shows."""


def default_clients(identity: AwsIdentity, *, quick: bool = False) -> ClientFactory:
    """Clients acting as the stack's identity: watch-grade retries, or quick ones for a look."""
    return clients_for(identity, LOOK_CONFIG if quick else WATCH_CONFIG)


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
    container_port: pulumi.Input[int]
    """Its port (AppSpec LoadBalancerInfo.ContainerPort)."""
    region: pulumi.Input[str]
    """The AWS region, the same as the aws provider's."""
    hooks: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Lifecycle event name -> Lambda function ARN. Default none."""
    platform_version: str | None = None
    """Fargate platform version for green. Default None: left out of the AppSpec, so AWS uses
    LATEST."""
    subnets: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """Green's subnets (AppSpec NetworkConfiguration). Default None: no NetworkConfiguration in
    the AppSpec, so green keeps the service's; a CODE_DEPLOY service changes its network only
    through a deployment."""
    security_groups: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """Green's security groups; given together with `subnets`."""
    assign_public_ip: pulumi.Input[bool] | None = None
    """Public IPs for green's tasks (AppSpec AssignPublicIp ENABLED/DISABLED); with `subnets`."""
    target_group_alarms: Sequence[Mapping[str, Any]] = field(default_factory=list)
    """`{"target_group_arn": ..., "alarm_names": [...]}` per target group: the CloudWatch alarms
    about it. Default none: the group's own alarm configuration applies. Given, each release
    watches only green's alarms (`overrideAlarmConfiguration`), so trouble on blue never rolls
    back the release."""
    timeout_minutes: int | None = None
    """Give up (stop with rollback, fail the update) after this long. Default None: derived from
    the deployment group, see `derive_timeout_minutes`."""
    poll_interval_seconds: int = 15
    """How often the release is polled. Default 15 s, as cdklabs/cdk-ecs-codedeploy does: well
    within CodeDeploy's API limits and fine-grained next to minute-long steps."""
    wait_for_completion: bool = False
    """Default False: `pulumi up` returns once users are on green and the after-traffic hooks
    passed, while the rollback window runs on in CodeDeploy. True waits for Succeeded (blue
    gone), holding the stack for the whole window."""
    release_retry: str | None = None
    """A value the last failed attempt of the same AppSpec was not made with asks for another
    attempt. Default None: a failed AppSpec is refused, never blindly retried."""
    override_alarms: str | None = None
    """A new value (a reason, e.g. a ticket) releases the next deployment with CloudWatch alarms
    off (`overrideAlarmConfiguration.enabled=false`). Default None: alarms apply."""
    profile: pulumi.Input[str | None] = None
    """The aws provider's profile. Default None: the process's default credential chain."""
    role_arns: pulumi.Input[Sequence[pulumi.Input[str]]] = field(default_factory=list)
    """The aws provider's assume-role chain, assumed in order. Default none."""

    def __post_init__(self) -> None:
        errors = hook_errors(self.hooks, "CodeDeployDeploymentArgs.hooks")
        if not self.container_name:
            errors.append("CodeDeployDeploymentArgs.container_name: must not be empty")
        if isinstance(self.container_port, int) and not 1 <= self.container_port <= 65535:
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
        if (self.subnets is None) != (self.security_groups is None):
            errors.append("CodeDeployDeploymentArgs.subnets/security_groups: give both or neither")
        for key in ("release_retry", "override_alarms"):
            errors.extend(token_errors(f"CodeDeployDeploymentArgs.{key}", getattr(self, key)))
        if errors:
            raise ValueError("invalid CodeDeployDeployment settings: " + "; ".join(errors))


def token_errors(setting: str, value: str | None) -> list[str]:
    """Messages for a retry/hotfix token the release resource would refuse (empty when fine)."""
    if value is None or _TOKEN.match(value):
        return []
    return [f"{setting}: {value!r} must be 1-64 letters, digits or '.', '_', ':', '-'"]


@dataclass(frozen=True)
class Serving:
    """What the service's PRIMARY task set runs: the release production traffic reaches."""

    task_definition_arn: str | None
    deployment_id: str | None = None
    """The deployment that created the task set (its externalId), None for the service's
    original task set."""
    container_port: int | None = None
    target_group_arn: str | None = None
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: bool | None = None

    @classmethod
    def from_service(cls, service: Mapping[str, Any]) -> Serving:
        primary = next(
            (t for t in service.get("taskSets", []) if t.get("status") == "PRIMARY"), None
        )
        source: Mapping[str, Any] = primary or service
        balancers = source.get("loadBalancers") or []
        vpc = (source.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
        public = vpc.get("assignPublicIp")
        return cls(
            task_definition_arn=source.get("taskDefinition"),
            deployment_id=(primary or {}).get("externalId"),
            container_port=balancers[0].get("containerPort") if balancers else None,
            target_group_arn=balancers[0].get("targetGroupArn") if balancers else None,
            subnets=tuple(sorted(vpc.get("subnets") or ())),
            security_groups=tuple(sorted(vpc.get("securityGroups") or ())),
            assign_public_ip=None if public is None else public == ASSIGN_PUBLIC_IP[True],
        )


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
    subnets: tuple[str, ...] | None = None
    security_groups: tuple[str, ...] | None = None
    assign_public_ip: bool | None = None
    alarms_by_target_group: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    wait_for_completion: bool = False
    release_retry: str | None = None

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> ReleaseSpec:
        # Numbers come back from the engine as floats.
        timeout = props.get("timeout_minutes")
        subnets = props.get("subnets")
        groups = props.get("security_groups")
        public = props.get("assign_public_ip")
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
            subnets=None if subnets is None else tuple(sorted(subnets)),
            security_groups=None if groups is None else tuple(sorted(groups)),
            assign_public_ip=None if public is None else bool(public),
            alarms_by_target_group={
                entry["target_group_arn"]: tuple(entry["alarm_names"])
                for entry in props.get("target_group_alarms") or ()
            },
            wait_for_completion=bool(props.get("wait_for_completion")),
            release_retry=props.get("release_retry") or None,
        )

    @property
    def network(self) -> AwsvpcConfiguration | None:
        if self.subnets is None or self.security_groups is None:
            return None
        return AwsvpcConfiguration(self.subnets, self.security_groups, bool(self.assign_public_ip))

    def revision(self) -> dict[str, Any]:
        return appspec_revision(
            build_appspec(
                task_definition_arn=self.task_definition_arn,
                container_name=self.container_name,
                container_port=self.container_port,
                platform_version=self.platform_version,
                hooks=self.hooks,
                network=self.network,
            )
        )

    def sha256(self) -> str:
        return str(self.revision()["appSpecContent"]["sha256"])

    def differences(self, serving: Serving) -> list[str]:
        """What a deployment would change on the service; empty when it serves this AppSpec.

        Hooks only act during a deployment and the platform version is resolved by ECS
        (LATEST becomes a number), so neither is compared."""
        found = []
        if serving.task_definition_arn != self.task_definition_arn:
            found.append(
                f"task definition {serving.task_definition_arn} -> {self.task_definition_arn}"
            )
        if serving.container_port is not None and serving.container_port != self.container_port:
            found.append(f"container port {serving.container_port} -> {self.container_port}")
        network = self.network
        if network is not None and (
            serving.subnets != network.subnets
            or serving.security_groups != network.security_groups
            or (
                serving.assign_public_ip is not None
                and serving.assign_public_ip != network.assign_public_ip
            )
        ):
            found.append(
                f"network subnets {list(serving.subnets)} -> {list(network.subnets)}, security "
                f"groups {list(serving.security_groups)} -> {list(network.security_groups)}, "
                f"public IP {serving.assign_public_ip} -> {network.assign_public_ip}"
            )
        return found


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


def termination_wait_minutes(group: Mapping[str, Any]) -> int:
    blue_green = group.get("blueGreenDeploymentConfiguration") or {}
    termination = blue_green.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    return int(termination.get("terminationWaitTimeInMinutes", 0))


def derive_timeout_minutes(
    group: Mapping[str, Any], traffic_routing: Mapping[str, Any], hook_count: int
) -> int:
    """The release budget when `timeout_minutes` is not set:

        ready wait (approval window) + traffic shift + blue termination wait
        + PROVISIONING_MARGIN_MINUTES + HOOK_MARGIN_MINUTES per hook

    The waits come from the group's blue/green settings, so a group that waits two hours for
    approval gets more than two hours; CodeDeploy enforces its own waits first, which keeps the
    outcome CodeDeploy's decision rather than ours. The termination wait stays in even though
    `pulumi up` returns before it by default: waiting for another release's window is bounded
    by the same budget.
    """
    blue_green = group.get("blueGreenDeploymentConfiguration") or {}
    ready_wait = (blue_green.get("deploymentReadyOption") or {}).get("waitTimeInMinutes", 0)
    return (
        int(ready_wait)
        + traffic_shift_minutes(traffic_routing)
        + termination_wait_minutes(group)
        + PROVISIONING_MARGIN_MINUTES
        + HOOK_MARGIN_MINUTES * hook_count
    )


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


def _describe(error: Exception) -> str:
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
                        f"codedeploy {self._where}: {what} failed ({_describe(error)}); "
                        "retrying until the release budget ends"
                    )
                if now >= deadline:
                    raise DeploymentError(
                        f"CodeDeploy group {self._where}: {what} kept failing for "
                        f"{now - trouble_since:.0f} s until the release budget ended "
                        f"({_describe(error)}); the deployment goes on inside CodeDeploy. Check "
                        "it with `aws deploy list-deployments --application-name "
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
                # Another deployment started between our check and our request.
                if self._clock() >= deadline:
                    raise DeploymentError(
                        f"CodeDeploy group {self._where} stayed busy for {budget_minutes} "
                        f"minutes ({_describe(error)}); {spec.task_definition_arn} was not "
                        "released"
                    ) from None
                self._log(f"codedeploy {self._where}: {_describe(error)}; queueing behind it")
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
                    progress.say(f"lifecycle details unavailable for now ({_describe(error)})")
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
        budget_minutes = self.spec.timeout_minutes or PROVISIONING_MARGIN_MINUTES * 2
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


def _outputs(props: Mapping[str, Any], outcome: ReleaseOutcome) -> dict[str, Any]:
    # Diff and update receive the previous *outputs* as `olds`, so the inputs are kept in them.
    outs = {key: value for key, value in props.items() if key != "__provider"}
    outs["deployment_id"] = outcome.deployment_id
    outs["task_definition_arn"] = outcome.task_definition_arn
    outs["release_status"] = outcome.status
    outs["rollback_window_minutes"] = outcome.rollback_window_minutes
    return outs


def _comparable(key: str, value: Any) -> Any:
    # Lists come back from state in any order for sets (subnets); numbers as floats.
    if key in ("subnets", "security_groups") and value is not None:
        return sorted(value)
    return value


def fresh_value(news: Mapping[str, Any], olds: Mapping[str, Any] | None, key: str) -> str | None:
    """A setting's value when this update gave it a new one, else None: one-release switches."""
    value = news.get(key) or None
    previous = (olds or {}).get(key) or None
    return value if value is not None and value != previous else None


class CodeDeployDeploymentProvider(pulumi.dynamic.ResourceProvider):
    """Dynamic provider of `CodeDeployDeployment`. Every argument is a test seam and defaults
    to the real thing (botocore as the stack's identity, time.sleep, time.monotonic,
    pulumi.log.info); the resource builds it with none, so the pickled provider holds no state.
    `clients(identity, quick)` returns a client factory; `quick` clients serve diff and read."""

    # It captures no secrets: credentials come from the environment of the provider process.
    serialize_as_secret_always = False

    def __init__(
        self,
        clients: Callable[..., ClientFactory] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._clients = clients
        self._sleep = sleep
        self._clock = clock
        self._log = log

    def releaser(
        self, props: Mapping[str, Any], *, quick: bool = False, override_alarms: str | None = None
    ) -> CodeDeployReleaser:
        spec = ReleaseSpec.from_props(props)
        return CodeDeployReleaser(
            spec,
            (self._clients or default_clients)(AwsIdentity.from_props(props), quick=quick),
            sleep=self._sleep or time.sleep,
            clock=self._clock or time.monotonic,
            log=self._log or pulumi.log.info,
            override_alarms=override_alarms,
        )

    def _release(self, props: Mapping[str, Any], olds: Mapping[str, Any] | None) -> ReleaseOutcome:
        try:
            return self.releaser(
                props, override_alarms=fresh_value(props, olds, "override_alarms")
            ).release()
        except DeploymentError as error:
            # The dynamic provider host prints the whole traceback; drop ours from it so the
            # message is what stands out in `pulumi up`.
            raise DeploymentError(str(error)) from None

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        outcome = self._release(props, None)
        return pulumi.dynamic.CreateResult(
            id_=f"{props['application_name']}/{props['deployment_group_name']}",
            outs=_outputs(props, outcome),
        )

    def update(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        outcome = self._release(news, olds)
        outs = _outputs(news, outcome)
        if outcome.deployment_id is None and olds.get("task_definition_arn") == (
            outcome.task_definition_arn
        ):
            # Nothing new went out (a hook or container setting changed) and ECS does not name
            # the deployment: the one on record still made this revision live.
            outs["deployment_id"] = olds.get("deployment_id")
        return pulumi.dynamic.UpdateResult(outs=outs)

    def diff(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        changed = [
            key
            for key in RELEASE_KEYS
            if _comparable(key, olds.get(key)) != _comparable(key, news.get(key))
        ]
        if not changed and self._drifted(olds):
            changed = ["task_definition_arn"]
        return pulumi.dynamic.DiffResult(
            changes=bool(changed), replaces=[], delete_before_replace=False
        )

    def _drifted(self, olds: Mapping[str, Any]) -> bool:
        """Whether what serves differs from the state (a rollback after `pulumi up` returned, a
        manual redeploy): then the preview plans the release again and says why. A quick look:
        when AWS cannot be asked (no credentials in a local preview), the inputs decide."""
        log = self._log or pulumi.log.info
        try:
            found = self.releaser(olds, quick=True).drift(olds.get("deployment_id"))
        except Exception as error:  # a look that fails must not fail the preview
            log(f"codedeploy: could not check what serves ({_describe(error)}); diff on inputs")
            return False
        for line in found:
            log(
                f"WARNING codedeploy {olds['application_name']}/{olds['deployment_group_name']}: "
                f"{line}; this update releases {olds['task_definition_arn']} again (refused if "
                "its last attempt failed, unless releaseRetry takes a new value)"
            )
        return bool(found)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """What actually serves, so `pulumi refresh` records manual redeploys and rollbacks: the
        PRIMARY task set's task definition, port and network, and the deployment behind it."""
        releaser = self.releaser(props, quick=True)
        serving = releaser.serving()
        if serving.task_definition_arn is None:
            return pulumi.dynamic.ReadResult(id_, props)
        outs = dict(props)
        outs["task_definition_arn"] = serving.task_definition_arn
        if serving.container_port is not None:
            outs["container_port"] = serving.container_port
        if props.get("subnets") is not None and serving.subnets:
            outs["subnets"] = list(serving.subnets)
            outs["security_groups"] = list(serving.security_groups)
            outs["assign_public_ip"] = serving.assign_public_ip
        if serving.deployment_id:
            outs["deployment_id"] = serving.deployment_id
            outs["release_status"] = releaser._get(serving.deployment_id)["status"]
        return pulumi.dynamic.ReadResult(id_, outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self.releaser(props).stop_all_deployments()


class CodeDeployDeployment(pulumi.dynamic.Resource):
    """The release of `args.task_definition_arn` to an ECS service through CodeDeploy.

    Outputs: `deployment_id` (the deployment that made the serving revision live; None when the
    service still runs its original task set), `task_definition_arn` (what serves),
    `release_status` (NothingToDeploy, UsersOnGreen or Succeeded) and
    `rollback_window_minutes` (how long blue is kept after an UsersOnGreen return).
    """

    deployment_id: pulumi.Output[str | None]
    task_definition_arn: pulumi.Output[str]
    release_status: pulumi.Output[str]
    rollback_window_minutes: pulumi.Output[int]

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
            "subnets": args.subnets,
            "security_groups": args.security_groups,
            "assign_public_ip": args.assign_public_ip,
            "target_group_alarms": list(args.target_group_alarms),
            "timeout_minutes": args.timeout_minutes,
            "poll_interval_seconds": args.poll_interval_seconds,
            "wait_for_completion": args.wait_for_completion,
            "release_retry": args.release_retry,
            "override_alarms": args.override_alarms,
            "profile": args.profile,
            "role_arns": args.role_arns,
            "deployment_id": None,
            "release_status": None,
            "rollback_window_minutes": None,
        }
        super().__init__(CodeDeployDeploymentProvider(), name, props, opts)
