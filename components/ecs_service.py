"""The ECS cluster (or the shared runtime's) and the Fargate service a release controller
releases, with autoscaling.

What the service ignores depends on the controller (`IGNORED_BY_CONTROLLER`, plus desiredCount
when autoscaling owns it), so a second `pulumi up` after a release plans no change:

- CODE_DEPLOY: ECS's UpdateService accepts only desired count, deployment configuration, grace
  period, placement and tags; the task definition, load balancers and network configuration move
  only through a CodeDeploy deployment (the AppSpec carries them), so the service ignores exactly
  those. A subnet or security-group change thereby becomes a release instead of an UpdateService
  call that ECS rejects ("Unable to update network parameters on services with a CODE_DEPLOY
  deployment controller", pulumi-aws#1961, terraform-provider-aws#13473).
  Fargate Spot (`fargateSpotPercent`) goes out in the AppSpec's CapacityProviderStrategy too:
  the service keeps launch type FARGATE and ignores its launch type and capacity providers,
  which CodeDeploy's task sets own.
- ECS: the service update *is* the release, so the task definition, network and container
  port stay live. But after each release ECS swaps the service's production and alternate target
  groups (the group that was green now serves production; terraform-provider-aws#45678), and the
  provider's Read stores the swapped pair while the program keeps sending the original one. The
  provider sends `LoadBalancers` on UpdateService whenever the element differs from its state
  (`internal/service/ecs/service.go`, `d.HasChange("load_balancer")`), so the stale pair would
  go back to ECS from the second release on. The service therefore ignores exactly the two
  swapped fields; the engine fills them from the stack's last inputs, which the project's
  `options.refresh: always` (Pulumi.yaml) re-reads from ECS before every run. Without that
  refresh the bridged diff would still send the whole load-balancer element: `load_balancer` is
  a Terraform set keyed by a hash of the whole element, and ignoreChanges removes only the
  ignored attributes' own keys (pulumi-terraform-bridge `pkg/tfbridge/diff.go`
  computeIgnoreChanges, `pkg/tfshim/sdk-v2` processIgnoreChanges).
  The run that switches a CODE_DEPLOY service to ECS ignores nothing (`ServiceRelease.ignored`):
  ECS has swapped nothing yet, and the engine would drop an ignored field the last inputs lack.
  tests/test_ecs_target_group_swap.py models three releases through all of this.
  With Fargate Spot the service runs on a capacity provider strategy instead of a launch type,
  with `force_new_deployment`: terraform-provider-aws (internal/service/ecs/service.go,
  `capacityProviderStrategyCustomizeDiff`) replaces the service when its strategy changes
  without it (older v5/v6 releases), or refuses the plan (newer ones), and always replaces it
  between a launch type and a strategy; components.identity_guard refuses that move at preview.

Every cluster made here has the FARGATE and FARGATE_SPOT capacity providers associated (ECS
developer guide, "AWS Fargate capacity providers": they only need associating), without a
default strategy, so services on a launch type are unaffected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs

#: Engine (camelCase) names of the service properties each release controller owns.
IGNORED_BY_CONTROLLER: dict[str, list[str]] = {
    "CODE_DEPLOY": [
        "taskDefinition",
        "loadBalancers",
        "networkConfiguration",
        "launchType",
        "capacityProviderStrategies",
    ],
    "ECS": [
        "loadBalancers[0].targetGroupArn",
        "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn",
    ],
}
FARGATE_PROVIDERS = ["FARGATE", "FARGATE_SPOT"]


@dataclass
class ServiceRelease:
    """The service inputs that belong to the release controller rather than to the workload.

    Defaults are the CODE_DEPLOY controller's: CodeDeploy runs the release, so the service
    neither waits nor carries a deployment configuration."""

    controller: str = "CODE_DEPLOY"
    """`deployment_controller.type`."""
    deployment_configuration: dict[str, Any] | None = None
    """Strategy, bake time and lifecycle hooks (ECS only). Default None: AWS's own."""
    advanced_configuration: aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgsDict | None = None
    """`load_balancers[0].advanced_configuration` (ECS only): alternate target group, listener
    rules and load-balancer role. Default None."""
    alarm_names: list[pulumi.Input[str]] = field(default_factory=list)
    """CloudWatch alarms that roll a deployment back (ECS only; CodeDeploy's group has its
    own). Default none."""
    circuit_breaker: bool = False
    """Deployment circuit breaker with rollback (ECS only). Default False."""
    wait_for_steady_state: bool = False
    """Make `pulumi up` wait for the deployment (ECS only). Default False."""
    timeout_minutes: int | None = None
    """`custom_timeouts` create/update (ECS only). Default None: the provider's 20 minutes."""
    ignored: tuple[str, ...] | None = None
    """Engine names of the service properties the release controller owns. Default None:
    `IGNORED_BY_CONTROLLER[controller]`."""
    lifecycle_hooks: Callable[[pulumi.Output[str]], pulumi.Input[list[Any]]] | None = None
    """Given the cluster's ARN, `deployment_configuration.lifecycle_hooks` (ECS only; the hooks
    can depend on whether this run creates the service, `release/ecs/first_run.py`). Default
    None: the configuration's own."""


@dataclass
class EcsService:
    cluster: aws.ecs.Cluster | None
    """The service's own cluster; None on a shared runtime's."""
    capacity_providers: aws.ecs.ClusterCapacityProviders | None
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
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
    assign_public_ip: pulumi.Input[bool],
    depends_on: list[pulumi.Resource],
    tags: dict[str, str],
    parent: pulumi.Resource,
    release: ServiceRelease | None = None,
) -> EcsService:
    cluster: aws.ecs.Cluster | None = None
    providers: aws.ecs.ClusterCapacityProviders | None = None
    if args.shared_runtime is None:
        cluster, providers = create_cluster(f"{name}-cluster", tags, parent)
        cluster_arn, cluster_name = cluster.arn, cluster.name
    else:
        cluster_arn = pulumi.Output.from_input(args.shared_runtime.cluster_arn)
        cluster_name = pulumi.Output.from_input(args.shared_runtime.cluster_name)
    release = release or ServiceRelease()
    owned = (
        list(release.ignored)
        if release.ignored is not None
        else IGNORED_BY_CONTROLLER[release.controller]
    )
    ignored = owned + (["desiredCount"] if args.autoscaling else [])
    load_balancer: aws.ecs.ServiceLoadBalancerArgsDict = {
        "target_group_arn": target_group_arn,
        "container_name": container_name,
        "container_port": args.container_port,
    }
    if release.advanced_configuration is not None:
        load_balancer["advanced_configuration"] = release.advanced_configuration
    # Under CODE_DEPLOY the AppSpec carries Spot; the service itself stays on FARGATE.
    strategy = args.capacity_provider_strategy if release.controller == "ECS" else ()
    placement: dict[str, Any] = (
        {
            "capacity_provider_strategies": [
                {"capacity_provider": provider, "base": base, "weight": weight}
                for provider, base, weight in strategy
            ],
            "force_new_deployment": True,
        }
        if strategy
        else {"launch_type": "FARGATE"}
    )
    if strategy and providers is not None:
        depends_on = [*depends_on, providers]
    deployment_configuration = release.deployment_configuration
    if release.lifecycle_hooks is not None and deployment_configuration is not None:
        deployment_configuration = deployment_configuration | {
            "lifecycle_hooks": release.lifecycle_hooks(pulumi.Output.from_input(cluster_arn))
        }
    waits = release.wait_for_steady_state
    timeout = f"{release.timeout_minutes}m" if release.timeout_minutes else None
    controller_inputs: dict[str, Any] = {
        "deployment_controller": {"type": release.controller},
        "deployment_configuration": deployment_configuration,
        "deployment_circuit_breaker": (
            {"enable": True, "rollback": True} if release.circuit_breaker else None
        ),
        "alarms": (
            {"alarm_names": release.alarm_names, "enable": True, "rollback": True}
            if release.alarm_names
            else None
        ),
        # Waiting makes `pulumi up` the release. sigint_rollback acts only on a cancelled
        # provider context, which Ctrl-C does not give a bridged provider (docs/controllers.md,
        # "Stopping a release"): it is kept for the provider's way out on a killed plugin.
        "wait_for_steady_state": waits or None,
        "sigint_rollback": waits or None,
    }
    service = aws.ecs.Service(
        f"{name}-service",
        cluster=cluster_arn,
        task_definition=task_definition_arn,
        desired_count=args.desired_count,
        **placement,
        **controller_inputs,
        health_check_grace_period_seconds=args.health_check_grace_period_seconds,
        load_balancers=[load_balancer],
        network_configuration={
            "subnets": subnet_ids,
            "security_groups": [security_group_id],
            "assign_public_ip": assign_public_ip,
        },
        # Absent while off: stacks that never turn it on keep an unchanged service.
        enable_execute_command=True if args.enable_execute_command else None,
        propagate_tags="SERVICE",
        enable_ecs_managed_tags=True,
        tags=tags,
        # The target group must be attached to a listener before ECS can register tasks.
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=depends_on,
            ignore_changes=ignored,
            custom_timeouts=(
                pulumi.CustomTimeouts(create=timeout, update=timeout) if timeout else None
            ),
        ),
    )
    if args.autoscaling is None:
        return EcsService(cluster, providers, cluster_arn, cluster_name, service, None, None)
    scaling = args.autoscaling
    target = aws.appautoscaling.Target(
        f"{name}-scaling-target",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster_name, "/", service.name),
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
    return EcsService(cluster, providers, cluster_arn, cluster_name, service, target, policy)


def create_cluster(
    name: str, tags: dict[str, str], parent: pulumi.Resource, *, protect: bool | None = None
) -> tuple[aws.ecs.Cluster, aws.ecs.ClusterCapacityProviders]:
    """A Fargate cluster with Container Insights (per-service CPU, memory and task metrics),
    and FARGATE and FARGATE_SPOT associated for services that use Spot."""
    cluster = aws.ecs.Cluster(
        name,
        settings=[{"name": "containerInsights", "value": "enabled"}],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    providers = aws.ecs.ClusterCapacityProviders(
        f"{name}-capacity",
        cluster_name=cluster.name,
        capacity_providers=FARGATE_PROVIDERS,
        opts=pulumi.ResourceOptions(parent=cluster),
    )
    return cluster, providers
