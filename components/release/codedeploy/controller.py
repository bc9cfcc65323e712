"""The CODE_DEPLOY controller wired end to end: deployment group, test gate hook, release.

Resource names are those the component always used, so stacks created before the controllers
were split see no replacement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.alarms import TargetGroupAlarms
from components.args import BlueGreenServiceArgs
from components.ecs_service import EcsService
from components.load_balancer import LoadBalancer
from components.release.codedeploy.credentials import stack_identity
from components.release.codedeploy.deployment_group import (
    CodeDeploy,
    allow_hook_invocation,
    create_codedeploy,
)
from components.release.codedeploy.release import CodeDeployDeployment, CodeDeployDeploymentArgs
from components.test_traffic_gate import TestTrafficGate


@dataclass
class CodeDeployController:
    codedeploy: CodeDeploy
    test_gate: TestTrafficGate | None
    deployment: CodeDeployDeployment


def create_codedeploy_controller(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    ecs: EcsService,
    task_definition_arn: pulumi.Input[str],
    container_name: str,
    lb: LoadBalancer,
    alarms: Sequence[TargetGroupAlarms],
    region: pulumi.Input[str],
    log_key_arn: pulumi.Input[str] | None,
    test_gate: TestTrafficGate | None,
    subnet_ids: pulumi.Input[Sequence[str]],
    security_group_id: pulumi.Input[str],
    assign_public_ip: pulumi.Input[bool],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> CodeDeployController:
    """The deployment group and the release resource; `test_gate`, when enabled, becomes the
    AfterAllowTestTraffic hook. Each release watches only the alarms of green's target group;
    it releases with the identity of the aws provider `parent`'s resources use."""
    codedeploy = create_codedeploy(
        name,
        args,
        cluster_name=ecs.cluster_name,
        service_name=ecs.service.name,
        lb=lb,
        alarm_names=[alarm.name for group in alarms for alarm in group.alarms],
        events_key_arn=log_key_arn,
        region=region,
        tags=tags,
        parent=parent,
    )
    profile, role_arns = stack_identity(parent)
    hooks: dict[str, pulumi.Input[str]] = dict(args.hooks)
    if test_gate is not None:
        hooks["AfterAllowTestTraffic"] = test_gate.function_arn
    hook_permission = (
        [allow_hook_invocation(name, codedeploy.role, list(hooks.values()))] if hooks else []
    )
    deployment = CodeDeployDeployment(
        f"{name}-release",
        CodeDeployDeploymentArgs(
            application_name=codedeploy.application.name,
            deployment_group_name=codedeploy.deployment_group.deployment_group_name,
            cluster_name=ecs.cluster_name,
            service_name=ecs.service.name,
            task_definition_arn=task_definition_arn,
            container_name=container_name,
            container_port=args.container_port,
            region=region,
            hooks=hooks,
            timeout_minutes=args.deployment_timeout_minutes,
            # Network changes of a CODE_DEPLOY service go out as a release (AppSpec).
            subnets=subnet_ids,
            security_groups=[security_group_id],
            assign_public_ip=assign_public_ip,
            # Fargate Spot of a CODE_DEPLOY service goes out in the AppSpec, like its network.
            capacity_provider_strategy=[
                {"capacity_provider": provider, "base": base, "weight": weight}
                for provider, base, weight in args.capacity_provider_strategy
            ]
            or None,
            target_group_alarms=[
                {"target_group_arn": group.target_group.arn, "alarm_names": group.names}
                for group in alarms
            ],
            wait_for_completion=args.release_wait_for_completion,
            release_retry=args.release_retry,
            override_alarms=args.release_override_alarms,
            profile=profile,
            role_arns=role_arns,
        ),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[ecs.service, codedeploy.deployment_group, *hook_permission],
        ),
    )
    return CodeDeployController(codedeploy, test_gate, deployment)
