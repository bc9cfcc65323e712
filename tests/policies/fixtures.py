"""Compliant baseline resources in engine shape (camelCase inputs), for both providers.

Each fixture is compliant with every rule of the pack; tests mutate one property at a time.
pulumi-aws task definitions carry `containerDefinitions` as a JSON string: fixtures keep the
list and encode it last, so the same mutation path works for both providers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
REGION = "eu-west-1"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/main"
LB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/web/1"
PROD_LISTENER_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/web/1/prod"
TEST_LISTENER_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/web/1/test"
PROD_RULE_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/web/1/prod/1"
TEST_RULE_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/web/1/test/1"
BLUE_TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-blue/1"
GREEN_TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-green/2"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecs-blue-green"
DELETE = object()
"""Mutation value that removes the property."""

Path = Sequence[str | int]


@dataclass(frozen=True)
class Fixture:
    """A baseline resource: engine type, how to build its properties, how to encode them."""

    type: str
    build: Callable[[], dict[str, Any]]
    encode: Callable[[dict[str, Any]], dict[str, Any]] = lambda props: props

    def props(self, *mutations: tuple[Path, Any]) -> dict[str, Any]:
        props = copy.deepcopy(self.build())
        for path, value in mutations:
            set_path(props, path, value)
        return self.encode(props)


def set_path(props: Any, path: Path, value: Any) -> None:
    *parents, last = path
    for key in parents:
        props = props[key]
    if value is DELETE:
        del props[last]
    else:
        props[last] = value


def _container(name: str, essential: bool) -> dict[str, Any]:
    return {
        "name": name,
        "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}@sha256:{'ab' * 32}",
        "essential": essential,
        "healthCheck": {"command": ["CMD", "node", "healthcheck.js"], "interval": 10},
        "user": "1000",
        "readonlyRootFilesystem": True,
        "privileged": False,
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": name}},
    }


def _containers() -> list[dict[str, Any]]:
    sidecar = _container("log-router", essential=False)
    # A non-essential container needs no health check: the baseline proves it.
    del sidecar["healthCheck"]
    return [_container("web", essential=True), sidecar]


def _encode_containers(props: dict[str, Any]) -> dict[str, Any]:
    if isinstance(props.get("containerDefinitions"), list):
        props["containerDefinitions"] = json.dumps(props["containerDefinitions"])
    return props


def _service_common() -> dict[str, Any]:
    return {
        "cluster": CLUSTER_ARN,
        "desiredCount": 2,
        "launchType": "FARGATE",
        "healthCheckGracePeriodSeconds": 60,
        "taskDefinition": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/web:1",
    }


def _native_lb_entries() -> list[dict[str, Any]]:
    return [
        {
            "targetGroupArn": BLUE_TG_ARN,
            "containerName": "web",
            "containerPort": 3000,
            "advancedConfiguration": {
                "alternateTargetGroupArn": GREEN_TG_ARN,
                "productionListenerRule": PROD_RULE_ARN,
                "testListenerRule": TEST_RULE_ARN,
                "roleArn": ROLE_ARN,
            },
        }
    ]


AWS_SERVICE_CODE_DEPLOY = Fixture(
    "aws:ecs/service:Service",
    lambda: {
        **_service_common(),
        "name": "web",
        "deploymentController": {"type": "CODE_DEPLOY"},
        "loadBalancers": [
            {"targetGroupArn": BLUE_TG_ARN, "containerName": "web", "containerPort": 3000}
        ],
        "tags": {"team": "payments"},
    },
)
AWS_SERVICE_ECS_BLUE_GREEN = Fixture(
    "aws:ecs/service:Service",
    lambda: {
        **_service_common(),
        "name": "web",
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "5"},
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": ["web-target-5xx"], "enable": True, "rollback": True},
        "loadBalancers": _native_lb_entries(),
        "tags": {"team": "payments"},
    },
)
NATIVE_SERVICE_CODE_DEPLOY = Fixture(
    "aws-native:ecs:Service",
    lambda: {
        **_service_common(),
        "serviceName": "web",
        "deploymentController": {"type": "CODE_DEPLOY"},
        "loadBalancers": [
            {"targetGroupArn": BLUE_TG_ARN, "containerName": "web", "containerPort": 3000}
        ],
        "tags": [{"key": "team", "value": "payments"}],
    },
)
NATIVE_SERVICE_ECS_BLUE_GREEN = Fixture(
    "aws-native:ecs:Service",
    lambda: {
        **_service_common(),
        "serviceName": "web",
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {
            "strategy": "LINEAR",
            "bakeTimeInMinutes": 5,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "alarms": {"alarmNames": ["web-target-5xx"], "enable": True, "rollback": True},
        },
        "loadBalancers": _native_lb_entries(),
        "tags": [{"key": "team", "value": "payments"}],
    },
)

AWS_TARGET_GROUP = Fixture(
    "aws:lb/targetGroup:TargetGroup",
    lambda: {
        "name": "web-blue",
        "port": 3000,
        "protocol": "HTTP",
        "targetType": "ip",
        "vpcId": "vpc-0123",
        "deregistrationDelay": "30",
        "healthCheck": {"enabled": True, "path": "/health", "protocol": "HTTP", "matcher": "200"},
        "tags": {"team": "payments"},
    },
)
AWS_ALB_TARGET_GROUP = Fixture("aws:alb/targetGroup:TargetGroup", AWS_TARGET_GROUP.build)
NATIVE_TARGET_GROUP = Fixture(
    "aws-native:elasticloadbalancingv2:TargetGroup",
    lambda: {
        "name": "web-blue",
        "port": 3000,
        "protocol": "HTTP",
        "targetType": "ip",
        "vpcId": "vpc-0123",
        "healthCheckEnabled": True,
        "healthCheckPath": "/health",
        "targetGroupAttributes": [
            {"key": "stickiness.enabled", "value": "false"},
            {"key": "deregistration_delay.timeout_seconds", "value": "30"},
        ],
        "tags": [{"key": "team", "value": "payments"}],
    },
)

AWS_TASK_DEFINITION = Fixture(
    "aws:ecs/taskDefinition:TaskDefinition",
    lambda: {
        "family": "web",
        "cpu": "256",
        "memory": "512",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": _containers(),
        "tags": {"team": "payments"},
    },
    _encode_containers,
)
NATIVE_TASK_DEFINITION = Fixture(
    "aws-native:ecs:TaskDefinition",
    lambda: {
        "family": "web",
        "cpu": "256",
        "memory": "512",
        "networkMode": "awsvpc",
        "containerDefinitions": _containers(),
        "tags": [{"key": "team", "value": "payments"}],
    },
)

AWS_DEPLOYMENT_GROUP = Fixture(
    "aws:codedeploy/deploymentGroup:DeploymentGroup",
    lambda: {
        "appName": "web",
        "deploymentGroupName": "web",
        "serviceRoleArn": ROLE_ARN,
        "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
        "deploymentStyle": {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "blueGreenDeploymentConfig": {
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": 5,
            },
        },
        "ecsService": {"clusterName": "main", "serviceName": "web"},
        "loadBalancerInfo": {
            "targetGroupPairInfo": {
                "prodTrafficRoute": {"listenerArns": [PROD_LISTENER_ARN]},
                "testTrafficRoute": {"listenerArns": [TEST_LISTENER_ARN]},
                "targetGroups": [{"name": "web-blue"}, {"name": "web-green"}],
            }
        },
        "autoRollbackConfiguration": {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        },
        "alarmConfiguration": {"enabled": True, "alarms": ["web-target-5xx"]},
        "tags": {"team": "payments"},
    },
)
NATIVE_DEPLOYMENT_GROUP = Fixture(
    "aws-native:codedeploy:DeploymentGroup",
    lambda: {
        "applicationName": "web",
        "deploymentGroupName": "web",
        "serviceRoleArn": ROLE_ARN,
        "deploymentStyle": {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": 10,
            },
        },
        "ecsServices": [{"clusterName": "main", "serviceName": "web"}],
        "loadBalancerInfo": {
            "targetGroupPairInfoList": [
                {
                    "prodTrafficRoute": {"listenerArns": [PROD_LISTENER_ARN]},
                    "testTrafficRoute": {"listenerArns": [TEST_LISTENER_ARN]},
                    "targetGroups": [{"name": "web-blue"}, {"name": "web-green"}],
                }
            ]
        },
        "autoRollbackConfiguration": {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        },
        "alarmConfiguration": {"enabled": True, "alarms": [{"name": "web-target-5xx"}]},
        "tags": [{"key": "team", "value": "payments"}],
    },
)

AWS_REPOSITORY = Fixture(
    "aws:ecr/repository:Repository",
    lambda: {
        "name": "web",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "tags": {"team": "payments"},
    },
)
NATIVE_REPOSITORY = Fixture(
    "aws-native:ecr:Repository",
    lambda: {
        "repositoryName": "web",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "tags": [{"key": "team", "value": "payments"}],
    },
)

AWS_LOAD_BALANCER = Fixture(
    "aws:lb/loadBalancer:LoadBalancer",
    lambda: {
        "name": "web",
        "loadBalancerType": "application",
        "internal": False,
        "dropInvalidHeaderFields": True,
        "securityGroups": ["sg-alb"],
        "subnets": ["subnet-a", "subnet-b"],
        "tags": {"team": "payments"},
    },
)
AWS_ALB_LOAD_BALANCER = Fixture("aws:alb/loadBalancer:LoadBalancer", AWS_LOAD_BALANCER.build)
NATIVE_LOAD_BALANCER = Fixture(
    "aws-native:elasticloadbalancingv2:LoadBalancer",
    lambda: {
        "name": "web",
        "type": "application",
        "scheme": "internet-facing",
        "loadBalancerAttributes": [
            {"key": "idle_timeout.timeout_seconds", "value": "60"},
            {"key": "routing.http.drop_invalid_header_fields.enabled", "value": "true"},
        ],
        "securityGroups": ["sg-alb"],
        "subnets": ["subnet-a", "subnet-b"],
        "tags": [{"key": "team", "value": "payments"}],
    },
)

ALL_BASELINES = {
    "aws-service-code-deploy": AWS_SERVICE_CODE_DEPLOY,
    "aws-service-ecs-blue-green": AWS_SERVICE_ECS_BLUE_GREEN,
    "native-service-code-deploy": NATIVE_SERVICE_CODE_DEPLOY,
    "native-service-ecs-blue-green": NATIVE_SERVICE_ECS_BLUE_GREEN,
    "aws-target-group": AWS_TARGET_GROUP,
    "aws-alb-target-group": AWS_ALB_TARGET_GROUP,
    "native-target-group": NATIVE_TARGET_GROUP,
    "aws-task-definition": AWS_TASK_DEFINITION,
    "native-task-definition": NATIVE_TASK_DEFINITION,
    "aws-deployment-group": AWS_DEPLOYMENT_GROUP,
    "native-deployment-group": NATIVE_DEPLOYMENT_GROUP,
    "aws-repository": AWS_REPOSITORY,
    "native-repository": NATIVE_REPOSITORY,
    "aws-load-balancer": AWS_LOAD_BALANCER,
    "aws-alb-load-balancer": AWS_ALB_LOAD_BALANCER,
    "native-load-balancer": NATIVE_LOAD_BALANCER,
}
