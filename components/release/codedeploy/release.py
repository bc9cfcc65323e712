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
- `delete` stops every deployment still running in the group (the service is going away) and
  waits for their rollbacks, also one CodeDeploy names late.
- Releases and deletes act as the component's aws provider (profile, assumed role), with
  credentials botocore refreshes during a long release.
- Failing `update` keeps the previous state. A failing `create` records nothing.

This module is the Pulumi side (inputs, diff, read, outputs); `releaser.py` talks to AWS,
`spec.py` holds the release as data, `credentials.py` the identity.

The provider runs in a separate process (`python -m pulumi.dynamic`), deserialized with dill from
the state. dill stores classes of importable modules by reference, so the provider instance
carries no code and no clients: the process imports this module from the project directory and
builds botocore clients at call time, as the identity in the inputs (`credentials.py`). That
process has no engine connection (pulumi/pulumi#6065), so `pulumi.log` falls back to stderr,
which the engine shows as info lines of the update: that is where release progress appears.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.dynamic

from components.release import plugin
from components.release.codedeploy.appspec import hook_errors
from components.release.codedeploy.credentials import (
    LOOK_CONFIG,
    WATCH_CONFIG,
    AwsIdentity,
    ClientFactory,
    clients_for,
)
from components.release.codedeploy.releaser import (
    CodeDeployReleaser,
    DeploymentError,
    ReleaseOutcome,
    describe_error,
)
from components.release.codedeploy.spec import ReleaseSpec, token_errors

#: Bounds of `timeout_minutes`: three times CodeDeploy's two-day limit on each of its waits.
TIMEOUT_MINUTES_RANGE = (5, 3 * 2880)
POLL_INTERVAL_RANGE = (1, 300)
_PLATFORM_VERSION = re.compile(r"^(LATEST|\d+\.\d+\.\d+)$")

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
    "capacity_provider_strategy",
)


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
    capacity_provider_strategy: Sequence[Mapping[str, Any]] | None = None
    """Green's capacity providers (AppSpec CapacityProviderStrategy), items
    `{"capacity_provider", "base", "weight"}`. Default None: green runs on the service's launch
    type. A CODE_DEPLOY service takes it only through a deployment."""
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
            reason = describe_error(error)
            log(f"codedeploy: could not check what serves ({reason}); diff on inputs")
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
        if props.get("capacity_provider_strategy") or serving.capacity_provider_strategy:
            outs["capacity_provider_strategy"] = [
                {"capacity_provider": provider, "base": base, "weight": weight}
                for provider, base, weight in serving.capacity_provider_strategy
            ] or None
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
            # None (dropped) without Spot: unchanged inputs for every stack that never uses it.
            "capacity_provider_strategy": (
                [dict(item) for item in args.capacity_provider_strategy]
                if args.capacity_provider_strategy
                else None
            ),
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
        plugin.register(
            self,
            CodeDeployDeploymentProvider(),
            plugin.CODEDEPLOY_RELEASE,
            name=name,
            props=props,
            opts=opts,
        )
