"""Rules on ECS task definitions' containers: health checks, hardening, logging, secrets.

pulumi-aws sends `containerDefinitions` as one JSON string, aws-native as a list; both use the
ECS API's camelCase keys. The whole string is unknown during preview when any part of it is
(typically the image digest of an image not built yet): the rules then stay silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import (
    Config,
    NotApplicable,
    Resource,
    ResourceRule,
    RuleInfo,
    Setting,
)
from ecs_blue_green_policies.values import UNKNOWN, JsonError, get, json_list, truthy

ROOT_USERS = ("root", "0")


def _containers(resource: Resource) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, definition) per container whose definition is known."""
    try:
        definitions = json_list(resource.props.get("containerDefinitions"))
    except JsonError as error:
        raise NotApplicable(f"`containerDefinitions` cannot be read: {error}") from error
    if definitions is UNKNOWN or definitions is None:
        return
    for index, definition in enumerate(definitions):
        if not isinstance(definition, dict):
            continue
        name = definition.get("name")
        label = f"container {name!r}" if isinstance(name, str) else f"container #{index}"
        yield f"{label} (`containerDefinitions[{index}]`)", definition


def check_container_health_check(resource: Resource, config: Config) -> Iterator[str]:
    for label, container in _containers(resource):
        essential = truthy(container.get("essential"))
        command = get(container, "healthCheck", "command")
        if essential is False or essential is UNKNOWN or command is UNKNOWN:
            continue
        if not command:
            yield (
                f"essential {label} has no health check: set `healthCheck.command` (the"
                " component's `containerHealthCheckCommand`), for example"
                ' ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]'
            )


REQUIRE_NON_ROOT_USER = Setting(
    "requireNonRootUser", "boolean", True, "Require `user` set to a user other than root/0."
)
REQUIRE_READ_ONLY_ROOT = Setting(
    "requireReadOnlyRootFilesystem",
    "boolean",
    True,
    "Require `readonlyRootFilesystem: true` (write to volumes instead).",
)
ALLOW_PRIVILEGED = Setting(
    "allowPrivileged", "boolean", False, "Accept `privileged: true` containers."
)


def _is_root(user: str) -> bool:
    # `user` is "name", "uid", "name:group" or "uid:gid"; the part before ':' picks the user.
    return user.split(":", 1)[0].strip() in ROOT_USERS


def check_container_hardening(resource: Resource, config: Config) -> Iterator[str]:
    for label, container in _containers(resource):
        privileged = truthy(container.get("privileged"))
        if privileged is True and not config[ALLOW_PRIVILEGED.name]:
            yield f"{label} is privileged: set `privileged` to false"
        user = container.get("user")
        if config[REQUIRE_NON_ROOT_USER.name] and user is not UNKNOWN:
            if not user:
                yield f"{label} runs as the image's default user: set `user` to a non-root UID"
            elif isinstance(user, str) and _is_root(user):
                yield f"{label} runs as root ({user}): set `user` to a non-root UID"
        read_only = truthy(container.get("readonlyRootFilesystem"))
        if config[REQUIRE_READ_ONLY_ROOT.name] and read_only not in (True, UNKNOWN):
            yield f"{label} has a writable root filesystem: set `readonlyRootFilesystem` to true"


ALLOWED_LOG_DRIVERS = Setting(
    "allowedLogDrivers",
    "array",
    [],
    "Log drivers accepted in `logConfiguration.logDriver`; empty accepts any driver.",
    items="string",
)


def check_container_logging(resource: Resource, config: Config) -> Iterator[str]:
    allowed = config[ALLOWED_LOG_DRIVERS.name]
    for label, container in _containers(resource):
        driver = get(container, "logConfiguration", "logDriver")
        if driver is UNKNOWN:
            continue
        if not driver:
            yield f"{label} has no log configuration: set `logConfiguration.logDriver` (awslogs)"
        elif allowed and driver not in allowed:
            yield (
                f"{label} logs with {driver}: set `logConfiguration.logDriver` to one of "
                f"{', '.join(allowed)}"
            )


#: Name parts that suggest a credential; a name ending in a reference suffix names where the
#: secret lives (DB_SECRET_ARN), not the secret itself.
_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", re.IGNORECASE
)
_REFERENCE_SUFFIX = re.compile(r"_(ARN|NAME|ID|PATH|FILE|ENDPOINT)$", re.IGNORECASE)


def check_secret_environment(resource: Resource, config: Config) -> Iterator[str]:
    for label, container in _containers(resource):
        environment = container.get("environment")
        if not isinstance(environment, list):
            continue
        for index, variable in enumerate(environment):
            name = variable.get("name") if isinstance(variable, dict) else None
            if (
                isinstance(name, str)
                and _SECRET_NAME.search(name)
                and not _REFERENCE_SUFFIX.search(name)
            ):
                yield (
                    f"{label} passes {name} as a plain `environment[{index}]` entry, readable in"
                    " the task definition and the state: move it to `secrets` (valueFrom a"
                    " Secrets Manager secret or SSM parameter ARN)"
                )


CONTAINER_HEALTH_CHECK = ResourceRule(
    RuleInfo(
        "ecs-container-health-check",
        "Every essential container of a task definition must define a health check.",
        EnforcementLevel.MANDATORY,
        'Add `healthCheck{command: ["CMD-SHELL", "..."]}` to each container definition whose'
        " `essential` is not false (essential defaults to true).",
        severity=Severity.HIGH,
    ),
    types.TASK_DEFINITION,
    check_container_health_check,
)

CONTAINER_HARDENING = ResourceRule(
    RuleInfo(
        "ecs-container-hardening",
        "Containers should not be privileged, should run as a non-root user and should have a"
        " read-only root filesystem.",
        EnforcementLevel.ADVISORY,
        'Per container: `privileged: false`, `user: "1000"` (any non-root UID),'
        " `readonlyRootFilesystem: true`.",
        (ALLOW_PRIVILEGED, REQUIRE_NON_ROOT_USER, REQUIRE_READ_ONLY_ROOT),
    ),
    types.TASK_DEFINITION,
    check_container_hardening,
)

CONTAINER_LOGGING = ResourceRule(
    RuleInfo(
        "ecs-container-logging",
        "Containers should ship their logs (a failed release is diagnosed from them).",
        EnforcementLevel.ADVISORY,
        'Per container: `logConfiguration{logDriver: "awslogs", options: {...}}`.',
        (ALLOWED_LOG_DRIVERS,),
    ),
    types.TASK_DEFINITION,
    check_container_logging,
)

SECRET_ENVIRONMENT = ResourceRule(
    RuleInfo(
        "ecs-container-secret-environment",
        "A plain environment variable whose name looks like a credential (PASSWORD, TOKEN,"
        " SECRET, API_KEY...) should be a container secret.",
        EnforcementLevel.ADVISORY,
        "Move the variable to the container's `secrets` with `valueFrom` a Secrets Manager"
        " secret or SSM parameter ARN; ECS reads it at task start, and neither the task"
        " definition nor the state holds its value.",
    ),
    types.TASK_DEFINITION,
    check_secret_environment,
)
