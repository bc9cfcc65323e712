"""`BlueGreenService`: one containerised service released blue/green by CodeDeploy.

Each part of AWS lives in its own module; this class only wires them together in the order
AWS needs and exposes every underlying resource as an attribute (the escape hatches).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.alarms import create_target_group_alarms
from components.args import BlueGreenServiceArgs, tags_for
from components.ecs_service import create_ecs_service
from components.image import create_image
from components.load_balancer import create_load_balancer
from components.network import create_network
from components.release.codedeploy.credentials import stack_identity
from components.release.codedeploy.deployment_group import allow_hook_invocation, create_codedeploy
from components.release.codedeploy.release import CodeDeployDeployment, CodeDeployDeploymentArgs
from components.security_groups import allow_test_traffic_from, create_security_groups
from components.task_definition import create_task_definition
from components.test_traffic_gate import TestTrafficGate, TestTrafficGateArgs

TYPE = "ecs-blue-green:index:BlueGreenService"


class BlueGreenService(pulumi.ComponentResource):
    """ECR image, Fargate service, dual-listener ALB, CodeDeploy group and the release.

    Every `pulumi up` that changes the image or the task definition starts a CodeDeploy
    blue/green deployment and waits for its outcome.
    """

    def __init__(
        self,
        name: str,
        args: BlueGreenServiceArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        args = args or BlueGreenServiceArgs()
        # Before super().__init__: a bad setting must not leave even the component behind.
        args.validate(name)
        super().__init__(TYPE, name, None, opts)
        self.args = args
        tags = tags_for(args, name)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        self.network = create_network(name, args, tags, self)
        self.image = create_image(name, args, tags, self)
        self.security_groups = create_security_groups(name, args, self.network.vpc_id, tags, self)
        self.load_balancer = create_load_balancer(
            name,
            args,
            vpc_id=self.network.vpc_id,
            subnet_ids=self.network.load_balancer_subnet_ids,
            security_group_id=self.security_groups.load_balancer.id,
            tags=tags,
            parent=self,
        )
        lb = self.load_balancer
        self.task_definition = create_task_definition(
            name,
            args,
            image_uri=self.image.image_uri,
            version=self.image.version,
            region=region,
            tags=tags,
            parent=self,
        )
        self.ecs = create_ecs_service(
            name,
            args,
            task_definition_arn=self.task_definition.task_definition.arn,
            container_name=self.task_definition.container_name,
            target_group_arn=lb.blue.arn,
            subnet_ids=self.network.task_subnet_ids,
            security_group_id=self.security_groups.tasks.id,
            assign_public_ip=self.network.assign_public_ip,
            depends_on=[lb.production_listener, lb.test_listener],
            tags=tags,
            parent=self,
        )
        alarms_per_group = (
            create_target_group_alarms(name, args, lb, tags, self) if args.alarms_enabled else []
        )
        self.alarms = [alarm for group in alarms_per_group for alarm in group.alarms]
        self.codedeploy = create_codedeploy(
            name,
            args,
            cluster_name=self.ecs.cluster.name,
            service_name=self.ecs.service.name,
            lb=lb,
            alarm_names=[alarm.name for alarm in self.alarms],
            tags=tags,
            parent=self,
        )

        hooks: dict[str, pulumi.Input[str]] = dict(args.hooks)
        self.test_gate: TestTrafficGate | None = None
        if args.test_gate_enabled:
            self.test_gate = TestTrafficGate(
                f"{name}-test-gate",
                TestTrafficGateArgs(
                    vpc_id=self.network.vpc_id,
                    subnet_ids=self.network.task_subnet_ids,
                    load_balancer_arn=lb.load_balancer.arn,
                    test_listener_port=args.test_listener_port,
                    paths=args.gate_paths,
                    deployment_group_arn=self.codedeploy.deployment_group.arn,
                    log_retention_days=args.log_retention_days,
                    tags=tags,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            allow_test_traffic_from(
                name,
                self.security_groups,
                self.test_gate.probe_security_group_id,
                args.test_listener_port,
            )
            hooks["AfterAllowTestTraffic"] = self.test_gate.function_arn
        hook_permission = (
            [allow_hook_invocation(name, self.codedeploy.role, list(hooks.values()))]
            if hooks
            else []
        )

        profile, role_arns = stack_identity(self)
        self.deployment = CodeDeployDeployment(
            f"{name}-release",
            CodeDeployDeploymentArgs(
                application_name=self.codedeploy.application.name,
                deployment_group_name=self.codedeploy.deployment_group.deployment_group_name,
                cluster_name=self.ecs.cluster.name,
                service_name=self.ecs.service.name,
                task_definition_arn=self.task_definition.task_definition.arn,
                container_name=self.task_definition.container_name,
                container_port=args.container_port,
                region=region,
                hooks=hooks,
                timeout_minutes=args.deployment_timeout_minutes,
                # Network changes of a CODE_DEPLOY service go out as a release (AppSpec).
                subnets=self.network.task_subnet_ids,
                security_groups=[self.security_groups.tasks.id],
                assign_public_ip=self.network.assign_public_ip,
                target_group_alarms=[
                    {"target_group_arn": group.target_group.arn, "alarm_names": group.names}
                    for group in alarms_per_group
                ],
                wait_for_completion=args.release_wait_for_completion,
                release_retry=args.release_retry,
                override_alarms=args.release_override_alarms,
                profile=profile,
                role_arns=role_arns,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[self.ecs.service, self.codedeploy.deployment_group, *hook_permission],
            ),
        )

        self.url = lb.url
        self.test_url = lb.test_url
        self.repository_url = self.image.repository_url
        self.image_uri = self.image.image_uri
        self.cluster_name = self.ecs.cluster.name
        self.service_name = self.ecs.service.name
        self.codedeploy_application = self.codedeploy.application.name
        self.codedeploy_deployment_group = self.codedeploy.deployment_group.deployment_group_name
        self.release_events_topic_arn = self.codedeploy.events_topic.arn
        self.register_outputs(
            {
                "url": self.url,
                "testUrl": self.test_url,
                "repositoryUrl": self.repository_url,
                "imageUri": self.image_uri,
                "clusterName": self.cluster_name,
                "serviceName": self.service_name,
                "codedeployApplication": self.codedeploy_application,
                "codedeployDeploymentGroup": self.codedeploy_deployment_group,
                "releaseEventsTopicArn": self.release_events_topic_arn,
            }
        )
