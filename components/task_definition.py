"""The Fargate task definition, its log group and its two IAM roles.

Every revision is kept (`skip_destroy`): a rollback returns the service to the previous
revision, which must therefore still exist after Pulumi has moved on to the next one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs
from components.iam import service_trust_policy

CONTAINER_NAME = "app"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
_ECS_TASKS_TRUST = service_trust_policy("ecs-tasks.amazonaws.com")


@dataclass
class TaskDefinition:
    task_definition: aws.ecs.TaskDefinition
    log_group: aws.cloudwatch.LogGroup
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    container_name: str


def container_definitions(
    args: BlueGreenServiceArgs,
    image: str,
    version: str,
    log_group: str,
    region: str,
) -> str:
    """The one-container definition as the JSON string ECS expects."""
    environment = [
        {"name": "PORT", "value": str(args.container_port)},
        {"name": "APP_VERSION", "value": args.app_version or version},
        {"name": "NODE_ENV", "value": "production"},
    ]
    # Only when on: an unchanged definition for every stack that never uses the switch, so
    # upgrading the program releases nothing.
    if args.fail_health_check:
        environment.append({"name": "FAIL_HEALTH_CHECK", "value": "true"})
    container: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": args.container_port, "protocol": "tcp"}],
        "environment": environment,
        "healthCheck": {
            "command": list(args.container_health_check_command),
            "interval": args.health_check_interval_seconds,
            "timeout": args.health_check_timeout_seconds,
            "retries": args.unhealthy_threshold,
            "startPeriod": args.health_check_grace_period_seconds,
        },
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
    return json.dumps([container])


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
    # The sample service calls no AWS API; grant the task role what your app needs.
    task_role = aws.iam.Role(
        f"{name}-task-role",
        assume_role_policy=_ECS_TASKS_TRUST,
        permissions_boundary=boundary,
        tags=tags,
        opts=child,
    )
    definition = aws.ecs.TaskDefinition(
        f"{name}-task",
        family=f"{name}-{pulumi.get_stack()}",
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(args.cpu),
        memory=str(args.memory),
        runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
        execution_role_arn=execution_role.arn,
        task_role_arn=task_role.arn,
        container_definitions=pulumi.Output.all(image_uri, log_group.name, region).apply(
            lambda values: container_definitions(args, values[0], version, values[1], values[2])
        ),
        skip_destroy=True,
        tags=tags,
        opts=child,
    )
    return TaskDefinition(definition, log_group, execution_role, task_role, CONTAINER_NAME)
