"""The AppSpec of an ECS blue/green deployment, built as data and sent inline.

CodeDeploy takes the AppSpec of an ECS deployment either from S3 or inline
(`revision.revisionType = AppSpecContent`). Inline needs no bucket and keeps each release a pure
function of the task definition ARN. The shape follows AWS's documented ECS AppSpec
(https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html):

    {"version": 0.0,
     "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
         "TaskDefinition": ..., "LoadBalancerInfo": {"ContainerName": ..., "ContainerPort": ...},
         "PlatformVersion": ...,
         "NetworkConfiguration": {"AwsvpcConfiguration": {
             "Subnets": [...], "SecurityGroups": [...], "AssignPublicIp": "ENABLED"}},
         "CapacityProviderStrategy": [
             {"Base": 1, "CapacityProvider": "FARGATE", "Weight": 50}, ...]}}}],
     "Hooks": [{"BeforeInstall": "<lambda arn>"}, ...]}

Everything here is pure: no AWS calls, so it is tested against the documented shape alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Lifecycle events of an ECS deployment that accept a Lambda hook, in the order they run.
LIFECYCLE_EVENTS: tuple[str, ...] = (
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
)


def hook_errors(hooks: Mapping[str, object], setting: str = "hooks") -> list[str]:
    """Messages for every hook key that is not an ECS lifecycle event (empty when all are)."""
    return [
        f"{setting}: {event!r} is not an ECS lifecycle event; allowed: "
        f"{', '.join(LIFECYCLE_EVENTS)}"
        for event in hooks
        if event not in LIFECYCLE_EVENTS
    ]


#: The AppSpec's (and ECS's) spelling of assignPublicIp.
ASSIGN_PUBLIC_IP: dict[bool, str] = {True: "ENABLED", False: "DISABLED"}


@dataclass(frozen=True)
class AwsvpcConfiguration:
    """Where green's tasks run. A CODE_DEPLOY service takes network changes only through a
    deployment (UpdateService refuses them), so they travel in the AppSpec."""

    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    assign_public_ip: bool

    def as_appspec(self) -> dict[str, Any]:
        # Sorted: the order means nothing to ECS, and equal networks must give equal content.
        return {
            "AwsvpcConfiguration": {
                "Subnets": sorted(self.subnets),
                "SecurityGroups": sorted(self.security_groups),
                "AssignPublicIp": ASSIGN_PUBLIC_IP[self.assign_public_ip],
            }
        }


def build_appspec(
    *,
    task_definition_arn: str,
    container_name: str,
    container_port: int,
    platform_version: str | None = None,
    hooks: Mapping[str, str] | None = None,
    network: AwsvpcConfiguration | None = None,
    capacity_provider_strategy: Sequence[tuple[str, int, int]] = (),
) -> dict[str, Any]:
    """The AppSpec that moves the service to `task_definition_arn`.

    `platform_version` is left out when None so that AWS applies its own default (LATEST);
    `network` likewise, so that green keeps the service's network configuration;
    `capacity_provider_strategy` ((provider, base, weight) items) when empty, so that green
    runs on the service's launch type.
    Hooks are emitted in lifecycle order so the same inputs always give the same content
    (and the same sha256). Raises ValueError for a hook key that is not a lifecycle event.
    """
    errors = hook_errors(hooks or {})
    if errors:
        raise ValueError("; ".join(errors))
    properties: dict[str, Any] = {
        "TaskDefinition": task_definition_arn,
        "LoadBalancerInfo": {"ContainerName": container_name, "ContainerPort": container_port},
    }
    if platform_version is not None:
        properties["PlatformVersion"] = platform_version
    if network is not None:
        properties["NetworkConfiguration"] = network.as_appspec()
    if capacity_provider_strategy:
        properties["CapacityProviderStrategy"] = [
            {"Base": base, "CapacityProvider": provider, "Weight": weight}
            for provider, base, weight in capacity_provider_strategy
        ]
    appspec: dict[str, Any] = {
        "version": 0.0,
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": properties}}],
    }
    ordered_hooks = [
        {event: hooks[event]} for event in LIFECYCLE_EVENTS if hooks and event in hooks
    ]
    if ordered_hooks:
        appspec["Hooks"] = ordered_hooks
    return appspec


def appspec_content(appspec: Mapping[str, Any]) -> str:
    """The AppSpec as compact JSON with sorted keys, so equal specs hash equally."""
    return json.dumps(appspec, sort_keys=True, separators=(",", ":"))


def appspec_revision(appspec: Mapping[str, Any]) -> dict[str, Any]:
    """The `revision` argument of CreateDeployment for an inline AppSpec.

    `sha256` is the hex SHA-256 of `content`, which CodeDeploy uses to check the revision.
    """
    content = appspec_content(appspec)
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {
            "content": content,
            "sha256": hashlib.sha256(content.encode("utf-8")).hexdigest(),
        },
    }
