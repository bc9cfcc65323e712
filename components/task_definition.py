"""The Fargate task definition, its log group and its two IAM roles.

Every revision is kept (`skip_destroy`): a rollback returns the service to the previous
revision, which must therefore still exist after Pulumi has moved on to the next one.

The task holds the app container (the one the load balancer routes to) and the user's sidecars.
Every input of the task definition is ForceNew in terraform-provider-aws
(internal/service/ecs/task_definition.go: `container_definitions`, `runtime_platform`,
`task_role_arn`, `execution_role_arn`), so any change below is a new revision: a release under
either controller. The roles' policies change in place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.args import APP_CONTAINER_NAME, BlueGreenServiceArgs, SidecarArgs
from components.iam import service_trust_policy
from components.task_permissions import execute_command_policy, secrets_policy

CONTAINER_NAME = APP_CONTAINER_NAME
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
_ECS_TASKS_TRUST = service_trust_policy("ecs-tasks.amazonaws.com")


@dataclass
class TaskDefinition:
    task_definition: aws.ecs.TaskDefinition
    log_group: aws.cloudwatch.LogGroup
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    container_name: str
    task_policies: list[pulumi.Resource] = field(default_factory=list)
    """The task role's attachments and the ECS Exec policy, when any."""
    secrets_policy: aws.iam.RolePolicy | None = None
    """The execution role's read of the secrets; None without secrets."""


def container_definitions(
    args: BlueGreenServiceArgs,
    image: str,
    version: str,
    log_group: str,
    region: str,
) -> str:
    """The app container and the sidecars, as the JSON string ECS expects."""
    ours = {"APP_VERSION": args.app_version or version, "NODE_ENV": "production"}
    # Only when on: an unchanged definition for every stack that never uses the switch.
    if args.fail_health_check:
        ours["FAIL_HEALTH_CHECK"] = "true"
    # The user's variables win over ours; validate() refuses PORT, which is containerPort's.
    environment = [
        {"name": "PORT", "value": str(args.container_port)},
        *_variables({**ours, **args.environment}),
    ]
    container: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": args.container_port, "protocol": "tcp"}],
        "environment": environment,
    }
    if args.secrets:
        container["secrets"] = [
            {"name": name, "valueFrom": arn} for name, arn in sorted(args.secrets.items())
        ]
    if command := args.health_check_command:
        container["healthCheck"] = {
            "command": list(command),
            "interval": args.health_check_interval_seconds,
            "timeout": args.health_check_timeout_seconds,
            "retries": args.unhealthy_threshold,
            "startPeriod": args.health_check_grace_period_seconds,
        }
    container |= {
        "stopTimeout": args.stop_timeout_seconds,
        "user": "1000",
        "privileged": False,
        "readonlyRootFilesystem": args.read_only_root_filesystem,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": CONTAINER_NAME,
            },
        },
    }
    sidecars = [_sidecar(sidecar, log_group, region) for sidecar in args.sidecars]
    return json.dumps([container, *sidecars])


def _variables(values: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in values.items()]


def _sidecar(sidecar: SidecarArgs, log_group: str, region: str) -> dict[str, Any]:
    """A sidecar container: its own settings, the task's log group under its own prefix."""
    container: dict[str, Any] = {
        "name": sidecar.name,
        "image": sidecar.image,
        "essential": sidecar.essential,
        "environment": _variables(sidecar.environment),
        "portMappings": [{"containerPort": p, "protocol": "tcp"} for p in sidecar.port_mappings],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": sidecar.name,
            },
        },
    }
    if sidecar.depends_on:
        container["dependsOn"] = [
            {"containerName": name, "condition": condition}
            for name, condition in sidecar.depends_on.items()
        ]
    return container


def policy_resource_name(name: str, policy_arn: str) -> str:
    """A name per attached policy that does not move when the list is reordered."""
    return f"{name}-task-policy-{hashlib.sha256(policy_arn.encode()).hexdigest()[:8]}"


def create_task_definition(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    image_uri: pulumi.Input[str],
    version: str,
    region: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
    kms_key_id: pulumi.Input[str] | None = None,
) -> TaskDefinition:
    """`kms_key_id`: the customer-managed key of the log group. Default None: CloudWatch's
    own encryption. Both roles carry `args.permissions_boundary_arn`."""
    child = pulumi.ResourceOptions(parent=parent)
    boundary = args.permissions_boundary_arn
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        retention_in_days=args.log_retention_days,
        kms_key_id=kms_key_id,
        tags=tags,
        opts=child,
    )
    execution_role = aws.iam.Role(
        f"{name}-execution-role",
        assume_role_policy=_ECS_TASKS_TRUST,
        permissions_boundary=boundary,
        tags=tags,
        opts=child,
    )
    aws.iam.RolePolicyAttachment(
        f"{name}-execution-policy",
        role=execution_role.name,
        policy_arn=EXECUTION_POLICY,
        opts=pulumi.ResourceOptions(parent=execution_role),
    )
    # ECS reads the secrets with the execution role when a task starts; the values never pass
    # through the program or the state, only their ARNs.
    read_secrets = (
        aws.iam.RolePolicy(
            f"{name}-execution-secrets",
            role=execution_role.name,
            policy=secrets_policy(args.secrets.values(), args.secrets_kms_key_arn),
            opts=pulumi.ResourceOptions(parent=execution_role),
        )
        if args.secrets
        else None
    )
    # The sample service calls no AWS API; `task_role_policy_arns` grants what an app needs.
    task_role = aws.iam.Role(
        f"{name}-task-role",
        assume_role_policy=_ECS_TASKS_TRUST,
        permissions_boundary=boundary,
        tags=tags,
        opts=child,
    )
    task_policies: list[pulumi.Resource] = [
        aws.iam.RolePolicyAttachment(
            policy_resource_name(name, arn),
            role=task_role.name,
            policy_arn=arn,
            opts=pulumi.ResourceOptions(parent=task_role),
        )
        for arn in args.task_role_policy_arns
    ]
    if args.enable_execute_command:
        task_policies.append(
            aws.iam.RolePolicy(
                f"{name}-task-exec",
                role=task_role.name,
                policy=execute_command_policy(),
                opts=pulumi.ResourceOptions(parent=task_role),
            )
        )
    definition = aws.ecs.TaskDefinition(
        f"{name}-task",
        family=f"{name}-{pulumi.get_stack()}",
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(args.cpu),
        memory=str(args.memory),
        runtime_platform={
            "operating_system_family": "LINUX",
            "cpu_architecture": args.cpu_architecture,
        },
        execution_role_arn=execution_role.arn,
        task_role_arn=task_role.arn,
        container_definitions=pulumi.Output.all(image_uri, log_group.name, region).apply(
            lambda values: container_definitions(args, values[0], version, values[1], values[2])
        ),
        skip_destroy=True,
        tags=tags,
        # A task must not start before its role may read its secrets.
        opts=pulumi.ResourceOptions(
            parent=parent, depends_on=[read_secrets] if read_secrets else []
        ),
    )
    return TaskDefinition(
        definition,
        log_group,
        execution_role,
        task_role,
        CONTAINER_NAME,
        task_policies,
        read_secrets,
    )
