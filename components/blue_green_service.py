"""`BlueGreenService`: one containerised service released blue/green by CodeDeploy or by ECS.

Each part of AWS lives in its own module; this class only wires the shared infrastructure
(network, image, load balancer, task definition, service, alarms, test gate) to one release
controller, chosen by `deploymentController` (see docs/controllers.md):

- CODE_DEPLOY (components/release/codedeploy/): a deployment group, and a release resource whose
  update is the CodeDeploy deployment of each new task definition.
- ECS (components/release/ecs/): listener rules, roles and lifecycle hooks; the service update is
  the release, and a check fails `pulumi up` when ECS rolled it back.

Every underlying resource is exposed as an attribute (the escape hatches).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pulumi
import pulumi_aws as aws

from components.access_logs import access_log_bucket_prefix, create_access_log_bucket
from components.alarms import alarm_names, create_target_group_alarms
from components.args import BlueGreenServiceArgs, tags_for
from components.ecs_service import EcsService, ServiceRelease, create_ecs_service
from components.flow_logs import create_flow_logs
from components.image import create_image
from components.listener_rules import ListenerRules, create_listener_rules, routed_paths
from components.load_balancer import LoadBalancer, create_load_balancer
from components.log_encryption import create_log_key
from components.network import create_network
from components.previous_run import previous_outputs as read_previous_outputs
from components.release.codedeploy.controller import (
    CodeDeployController,
    create_codedeploy_controller,
)
from components.release.ecs.controller import (
    CODE_DEPLOY_OUTPUT,
    EcsController,
    create_deployment_check,
    create_ecs_controller,
)
from components.security_groups import allow_test_traffic_from, create_security_groups
from components.shared_routing import SharedRouting, create_shared_routing
from components.task_definition import create_task_definition
from components.test_traffic_gate import TestTrafficGate, TestTrafficGateArgs
from components.waf import create_waf

TYPE = "ecs-blue-green:index:BlueGreenService"


@dataclass
class _Traffic:
    """Where the service's traffic arrives: its own load balancer or the shared one."""

    blue: aws.lb.TargetGroup
    green: aws.lb.TargetGroup
    load_balancer_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    test_listener_port: pulumi.Input[int]
    listeners: list[pulumi.Resource]
    """What attaches the target groups to listeners (ECS registers tasks only after that)."""


def _switches_from_code_deploy(
    name: str,
    args: BlueGreenServiceArgs,
    component: pulumi.Resource,
    previous: Mapping[str, Any] | None,
) -> bool:
    """Whether an ECS-controller service's last run released with CodeDeploy; read before the
    component registers any child when the program did not hand `previous` over. (The read
    waits for the component's own registration, which the engine answers once its step is
    saved.)"""
    if args.deployment_controller != "ECS":
        return False
    if previous is None:
        previous = read_previous_outputs(
            f"{name}-previous-controller", [CODE_DEPLOY_OUTPUT], component
        )
    return bool(previous.get(CODE_DEPLOY_OUTPUT))


class BlueGreenService(pulumi.ComponentResource):
    """ECR image, Fargate service, dual-listener ALB, and the release controller.

    Every `pulumi up` that changes the image or the task definition releases it blue/green: a
    release that fails or rolls back before users are all on green fails `pulumi up`. Under
    CODE_DEPLOY `pulumi up` then returns while blue is kept for the rollback window (unless
    `release_wait_for_completion`); a rollback in it shows in the next preview and on the
    release-events topic. Under ECS `pulumi up` waits out the window.
    """

    def __init__(
        self,
        name: str,
        args: BlueGreenServiceArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        previous_outputs: Mapping[str, Any] | None = None,
    ) -> None:
        """`previous_outputs`: the stack's outputs as its last run left them, read by the
        program before it registered anything (`components.previous_run`); the ECS controller
        reads `codedeployApplication` there. Not given, the component reads them itself before
        it registers any child: safe in a program whose other resources are not being created
        meanwhile (with several services, read once and hand the result to each)."""
        args = args or BlueGreenServiceArgs()
        # Before super().__init__: a bad setting must not leave even the component behind.
        args.validate(name)
        super().__init__(TYPE, name, None, opts)
        switching = _switches_from_code_deploy(name, args, self, previous_outputs)
        self.args = args
        tags = tags_for(args, name)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        account = aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        ).account_id

        self.log_key = (
            create_log_key(
                name,
                alias_prefix=f"{name}-{pulumi.get_stack()}",
                region=region,
                account=account,
                tags=tags,
                parent=self,
            )
            if args.log_encryption_enabled
            else None
        )
        log_key_arn = self.log_key.arn if self.log_key else None
        self.network = create_network(name, args, tags, self)
        self.flow_logs = (
            create_flow_logs(
                name,
                vpc_id=self.network.vpc_id,
                retention_days=args.flow_logs_retention_days,
                kms_key_id=log_key_arn,
                permissions_boundary=args.permissions_boundary_arn,
                region=region,
                account=account,
                tags=tags,
                parent=self,
            )
            # validate() refuses flow logs for an existing VPC.
            if args.flow_logs_enabled and self.network.vpc is not None
            else None
        )
        self.image = create_image(name, args, tags, self)
        self.security_groups = create_security_groups(name, args, self.network.vpc_id, tags, self)
        self.access_logs = (
            create_access_log_bucket(
                name,
                bucket_prefix=access_log_bucket_prefix(name, pulumi.get_stack()),
                expiration_days=args.access_logs_expiration_days,
                region=region,
                account=account,
                tags=tags,
                parent=self,
            )
            if args.access_logs_enabled
            else None
        )
        traffic = self._route_traffic(name, args, tags)
        # validate() refuses WAF on the shared load balancer: the runtime stack owns it.
        self.waf = (
            create_waf(name, load_balancer_arn=traffic.load_balancer_arn, tags=tags, parent=self)
            if args.waf_enabled
            else None
        )
        self.task_definition = create_task_definition(
            name,
            args,
            image_uri=self.image.image_uri,
            version=self.image.version,
            region=region,
            tags=tags,
            parent=self,
            kms_key_id=log_key_arn,
        )
        alarms_per_group = (
            create_target_group_alarms(
                name,
                args,
                load_balancer_arn_suffix=traffic.load_balancer_arn_suffix,
                blue=traffic.blue,
                green=traffic.green,
                tags=tags,
                parent=self,
            )
            if args.alarms_enabled
            else []
        )
        self.alarms = [alarm for group in alarms_per_group for alarm in group.alarms]
        task_definition_arn = self.task_definition.task_definition.arn

        def service(
            depends_on: list[pulumi.Resource], release: ServiceRelease | None = None
        ) -> EcsService:
            return create_ecs_service(
                name,
                args,
                task_definition_arn=task_definition_arn,
                container_name=self.task_definition.container_name,
                target_group_arn=traffic.blue.arn,
                subnet_ids=self.network.task_subnet_ids,
                security_group_id=self.security_groups.tasks.id,
                assign_public_ip=self.network.assign_public_ip,
                depends_on=depends_on,
                tags=tags,
                parent=self,
                release=release,
            )

        self.test_gate = self._test_gate(
            name,
            args,
            tags,
            log_key_arn,
            load_balancer_arn=traffic.load_balancer_arn,
            test_listener_port=traffic.test_listener_port,
        )
        self.codedeploy_controller: CodeDeployController | None = None
        self.ecs_controller: EcsController | None = None
        if args.deployment_controller == "CODE_DEPLOY":
            # validate(): CODE_DEPLOY never routes through the shared listeners.
            assert self.load_balancer is not None
            lb = self.load_balancer
            self.ecs = service(traffic.listeners)
            self.codedeploy_controller = create_codedeploy_controller(
                name,
                args,
                ecs=self.ecs,
                task_definition_arn=task_definition_arn,
                container_name=self.task_definition.container_name,
                lb=lb,
                alarms=alarms_per_group,
                region=region,
                log_key_arn=log_key_arn,
                test_gate=self.test_gate,
                subnet_ids=self.network.task_subnet_ids,
                security_group_id=self.security_groups.tasks.id,
                assign_public_ip=self.network.assign_public_ip,
                tags=tags,
                parent=self,
            )
            self.deployment_id: pulumi.Output[str | None] = (
                self.codedeploy_controller.deployment.deployment_id
            )
            codedeploy = self.codedeploy_controller.codedeploy
            self.codedeploy_application: pulumi.Output[str | None] = codedeploy.application.name
            self.codedeploy_deployment_group: pulumi.Output[str | None] = (
                codedeploy.deployment_group.deployment_group_name
            )
            self.release_events_topic_arn: pulumi.Output[str | None] = codedeploy.events_topic.arn
        else:
            # Taken before any resource step of this run: every deployment it starts is
            # created later (the release check), and the first-run marker compares with it.
            run_started_at = datetime.now(UTC).isoformat()
            self.ecs_controller = create_ecs_controller(
                name,
                args,
                rules=self._listener_rules(name, traffic, tags),
                alternate_target_group_arn=traffic.green.arn,
                alarm_names=alarm_names(self.alarms),
                test_gate_arn=self.test_gate.function_arn if self.test_gate else None,
                region=region,
                run_started_at=run_started_at,
                switches_from_code_deploy=switching,
                tags=tags,
                parent=self,
            )
            self.ecs = service(
                traffic.listeners + self.ecs_controller.service_depends_on,
                self.ecs_controller.release,
            )
            self.release_check = create_deployment_check(
                name,
                ecs=self.ecs,
                task_definition_arn=task_definition_arn,
                # Under ECS these changes start a deployment too (UpdateService).
                release_inputs={
                    "subnets": self.network.task_subnet_ids,
                    "security_groups": [self.security_groups.tasks.id],
                    "assign_public_ip": self.network.assign_public_ip,
                    "container_name": self.task_definition.container_name,
                    "container_port": args.container_port,
                },
                region=region,
                run_started_at=run_started_at,
                parent=self,
            )
            self.deployment_id = self.release_check.service_deployment_arn
            self.codedeploy_application = pulumi.Output.from_input(None)
            self.codedeploy_deployment_group = pulumi.Output.from_input(None)
            # ECS-native releases publish their state changes to EventBridge, not to a topic.
            self.release_events_topic_arn = pulumi.Output.from_input(None)

        self.repository_url = self.image.repository_url
        self.image_uri = self.image.image_uri
        self.cluster_name = self.ecs.cluster_name
        self.service_name = self.ecs.service.name
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
                "deploymentId": self.deployment_id,
                "releaseEventsTopicArn": self.release_events_topic_arn,
            }
        )

    def _route_traffic(
        self, name: str, args: BlueGreenServiceArgs, tags: dict[str, str]
    ) -> _Traffic:
        """Under the ECS controller on a shared runtime: target groups and rules on the
        runtime's listeners (components/shared_routing.py); otherwise a load balancer of its
        own. Sets `load_balancer` or `shared_routing`, `url` and `test_url`."""
        self.load_balancer: LoadBalancer | None = None
        self.shared_routing: SharedRouting | None = None
        if args.uses_shared_listeners and args.shared_runtime is not None:
            runtime = args.shared_runtime
            routing = self.shared_routing = create_shared_routing(
                name, args, runtime, vpc_id=self.network.vpc_id, tags=tags, parent=self
            )
            self.url, self.test_url = routing.url, routing.test_url
            return _Traffic(
                routing.blue,
                routing.green,
                pulumi.Output.from_input(runtime.load_balancer_arn),
                pulumi.Output.from_input(runtime.load_balancer_arn_suffix),
                routing.test_listener_port,
                # The target groups are attached to the shared listeners through the rules.
                [routing.rules.production, routing.rules.test],
            )
        lb = self.load_balancer = create_load_balancer(
            name,
            args,
            vpc_id=self.network.vpc_id,
            subnet_ids=self.network.load_balancer_subnet_ids,
            security_group_id=self.security_groups.load_balancer_id,
            tags=tags,
            parent=self,
            access_logs=self.access_logs,
        )
        self.url, self.test_url = lb.url, lb.test_url
        return _Traffic(
            lb.blue,
            lb.green,
            lb.load_balancer.arn,
            lb.load_balancer.arn_suffix,
            args.test_listener_port,
            # The target group must be attached to a listener before ECS can register tasks.
            [lb.production_listener, lb.test_listener],
        )

    def _listener_rules(self, name: str, traffic: _Traffic, tags: dict[str, str]) -> ListenerRules:
        """The rules ECS shifts: the shared routing's, or rules matching everything on the
        service's own listeners."""
        if self.shared_routing is not None:
            return self.shared_routing.rules
        assert self.load_balancer is not None  # one of the two always exists
        return create_listener_rules(
            name,
            production_listener_arn=self.load_balancer.production_listener.arn,
            test_listener_arn=self.load_balancer.test_listener.arn,
            blue_target_group_arn=traffic.blue.arn,
            green_target_group_arn=traffic.green.arn,
            tags=tags,
            parent=self,
        )

    def _test_gate(
        self,
        name: str,
        args: BlueGreenServiceArgs,
        tags: dict[str, str],
        log_key_arn: pulumi.Input[str] | None,
        *,
        load_balancer_arn: pulumi.Input[str],
        test_listener_port: pulumi.Input[int],
    ) -> TestTrafficGate | None:
        """The test-traffic gate and the ALB rule that admits its probe; None when disabled.
        On the shared test listener its requests carry the service's host and paths, so the
        listener picks this service's test rule."""
        if not args.test_gate_enabled:
            return None
        routing = self.shared_routing
        gate = TestTrafficGate(
            f"{name}-test-gate",
            TestTrafficGateArgs(
                vpc_id=self.network.vpc_id,
                subnet_ids=self.network.task_subnet_ids,
                load_balancer_arn=load_balancer_arn,
                test_listener_port=test_listener_port,
                load_balancer_security_group_id=self.security_groups.load_balancer_id,
                paths=routed_paths(args.gate_paths, args.path_patterns)
                if routing
                else args.gate_paths,
                host_header=routing.gate_host if routing else None,
                log_retention_days=args.log_retention_days,
                kms_key_id=log_key_arn,
                permissions_boundary=args.permissions_boundary_arn,
                tags=tags,
                controller=args.deployment_controller,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        allow_test_traffic_from(
            name, self.security_groups, gate.probe_security_group_id, test_listener_port
        )
        return gate
