"""One release, as data: the resolved inputs, the AppSpec they build, what the service serves
now, and the time budget a release gets. Pure: no AWS calls, so it is tested on its own."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.release.codedeploy.appspec import (
    ASSIGN_PUBLIC_IP,
    AwsvpcConfiguration,
    appspec_revision,
    build_appspec,
)

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

_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


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
    capacity_provider_strategy: tuple[tuple[str, int, int], ...] = ()
    """(provider, base, weight) items; empty on a launch type."""

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
            capacity_provider_strategy=strategy_items(source.get("capacityProviderStrategy")),
        )


def strategy_items(items: Any) -> tuple[tuple[str, int, int], ...]:
    """A capacity provider strategy, from ECS's (`capacityProvider`) or the release resource's
    (`capacity_provider`) spelling, as sorted (provider, base, weight) items."""
    return tuple(
        sorted(
            (
                str(item.get("capacityProvider") or item.get("capacity_provider")),
                int(item.get("base") or 0),
                int(item.get("weight") or 0),
            )
            for item in items or ()
        )
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
    capacity_provider_strategy: tuple[tuple[str, int, int], ...] = ()

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
            capacity_provider_strategy=strategy_items(props.get("capacity_provider_strategy")),
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
                capacity_provider_strategy=self.capacity_provider_strategy,
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
        if serving.capacity_provider_strategy != self.capacity_provider_strategy:
            found.append(
                f"capacity {_capacity(serving.capacity_provider_strategy)} -> "
                f"{_capacity(self.capacity_provider_strategy)}"
            )
        return found


def _capacity(strategy: tuple[tuple[str, int, int], ...]) -> str:
    if not strategy:
        return "launch type"
    return ", ".join(f"{p} base {b} weight {w}" for p, b, w in strategy)


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
