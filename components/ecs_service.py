"""The ECS cluster and the Fargate service that CodeDeploy releases, with optional autoscaling.

With the CODE_DEPLOY controller, ECS's UpdateService accepts only desired count, deployment
configuration, grace period, placement and tags; the task definition, load balancers and network
configuration move only through a CodeDeploy deployment (the AppSpec carries them). So the service
ignores exactly those (and desiredCount when autoscaling owns it): a second `pulumi up` after a
release then plans no change, and a subnet or security-group change becomes a release instead of
an UpdateService call that ECS rejects ("Unable to update network parameters on services with a
CODE_DEPLOY deployment controller", pulumi-aws#1961, terraform-provider-aws#13473).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs

#: Engine (camelCase) names of the properties the CODE_DEPLOY controller owns on the service. A
#: controller whose releases go through UpdateService (ECS-native blue/green) ignores fewer.
CODE_DEPLOY_IGNORED: tuple[str, ...] = ("taskDefinition", "loadBalancers", "networkConfiguration")


@dataclass
class EcsService:
    cluster: aws.ecs.Cluster
    service: aws.ecs.Service
    scaling_target: aws.appautoscaling.Target | None
    scaling_policy: aws.appautoscaling.Policy | None


def create_ecs_service(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    task_definition_arn: pulumi.Input[str],
    container_name: str,
    target_group_arn: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[str]],
    security_group_id: pulumi.Input[str],
    assign_public_ip: bool,
    depends_on: list[pulumi.Resource],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> EcsService:
    cluster = aws.ecs.Cluster(
        f"{name}-cluster",
        settings=[{"name": "containerInsights", "value": "enabled"}],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    ignored = [*CODE_DEPLOY_IGNORED, *(["desiredCount"] if args.autoscaling else [])]
    service = aws.ecs.Service(
        f"{name}-service",
        cluster=cluster.arn,
        task_definition=task_definition_arn,
        desired_count=args.desired_count,
        launch_type="FARGATE",
        deployment_controller={"type": "CODE_DEPLOY"},
        health_check_grace_period_seconds=args.health_check_grace_period_seconds,
        load_balancers=[
            {
                "target_group_arn": target_group_arn,
                "container_name": container_name,
                "container_port": args.container_port,
            }
        ],
        network_configuration={
            "subnets": subnet_ids,
            "security_groups": [security_group_id],
            "assign_public_ip": assign_public_ip,
        },
        propagate_tags="SERVICE",
        enable_ecs_managed_tags=True,
        tags=tags,
        # The target group must be attached to a listener before ECS can register tasks.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on, ignore_changes=ignored),
    )
    if args.autoscaling is None:
        return EcsService(cluster, service, None, None)
    scaling = args.autoscaling
    target = aws.appautoscaling.Target(
        f"{name}-scaling-target",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
        min_capacity=scaling.min_count,
        max_capacity=scaling.max_count,
        opts=pulumi.ResourceOptions(parent=service),
    )
    policy = aws.appautoscaling.Policy(
        f"{name}-scaling-cpu",
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration={
            "target_value": scaling.cpu_target_percent,
            "predefined_metric_specification": {
                "predefined_metric_type": "ECSServiceAverageCPUUtilization"
            },
            "scale_in_cooldown": 120,
            "scale_out_cooldown": 60,
        },
        opts=pulumi.ResourceOptions(parent=target),
    )
    return EcsService(cluster, service, target, policy)
