"""The deploy role's policies and the permissions boundary, evaluated offline as IAM would.

Three claims, each a table of API calls the dev stack's deploy role might make (under either
release controller):
- the escalation path is closed: no role can be created or edited without the stack's
  boundary, boundaries cannot be removed or changed, and a role under the boundary can write
  no IAM and cannot stop the audit trail, whatever its own policies say;
- the stacks are isolated: dev's role can change nothing tagged for prod (or another
  project), nor any prod-named bucket or alias, nor any untagged EC2 resource;
- what `pulumi up` of the stack needs is still allowed.

and, for a stack attached to a shared runtime (`runtimeStack`) and for the runtime's own role:
- what attaching needs is allowed: a service in the runtime's cluster, rules tagged for the
  stack on the runtime's listeners, rules on the runtime ALB's security group;
- the runtime's ALB, listeners, cluster and group, and other stacks' rules and services, stay
  out of reach, and the runtime's role cannot touch the services' rules or services.

Evaluated with @cloud-copilot/iam-simulate (see tests/platform/iam_simulator.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from components.log_encryption import key_policy_document
from platform_stack.config import DEFAULT_ATTACHABLE_POLICIES
from platform_stack.permissions import (
    Runtime,
    Scope,
    boundary_policy,
    deploy_policies,
    runtime_policies,
)
from tests.platform.iam_simulator import Outcome, Request, simulate

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PROJECT = "ecs-blue-green"
IMAGES = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/ecs-blue-green/web"
ALLOWED, EXPLICIT, IMPLICIT = "Allowed", "ExplicitlyDenied", "ImplicitlyDenied"


def _scope(stack: str) -> Scope:
    return Scope(
        account=ACCOUNT,
        region=REGION,
        name_prefix="web-",
        attachable_policy_arns=DEFAULT_ATTACHABLE_POLICIES,
        allow_vpc_management=True,
        image_repository_arn=IMAGES,
        project=PROJECT,
        stack=stack,
        boundary_name=f"pulumi-deploy-{PROJECT}-{stack}-boundary",
    )


DEV, PROD = _scope("dev"), _scope("prod")
RUNTIME_PROJECT = "ecs-blue-green-runtime"
#: The dev runtime (platform/runtime/Pulumi.dev.yaml: runtimeName dev) and a service attached.
DEV_RUNTIME = Runtime(project=RUNTIME_PROJECT, stack="dev", name="dev")
ORDERS = replace(
    _scope("orders-dev"),
    name_prefix="orders-",
    boundary_name=f"pulumi-deploy-{PROJECT}-orders-dev-boundary",
    runtime=DEV_RUNTIME,
)
#: The runtime stack's own role.
RUNTIME = replace(
    _scope("dev"),
    name_prefix="dev-",
    project=RUNTIME_PROJECT,
    attachable_policy_arns=(),
    image_repository_arn=None,
    boundary_name="",
)


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _on(stack: str, project: str = PROJECT) -> dict[str, str]:
    """Context of a call on an existing resource tagged for `stack`."""
    return {"aws:ResourceTag/app:stack": stack, "aws:ResourceTag/app:project": project}


def _creating(stack: str) -> dict[str, Any]:
    """Context of a create call that tags the new resource for `stack`."""
    return {
        "aws:RequestTag/app:stack": stack,
        "aws:RequestTag/app:project": PROJECT,
        "aws:TagKeys": ["app:service", "app:project", "app:stack"],
    }


def _on_runtime(stack: str = "dev") -> dict[str, str]:
    """Context of a call on a resource of the runtime stack `stack`."""
    return _on(stack, RUNTIME_PROJECT)


def _reading() -> dict[str, str]:
    """Context of an account-wide read (IAM always sets the region; the simulator does not)."""
    return {"aws:RequestedRegion": REGION}


def _creating_runtime(stack: str = "dev") -> dict[str, Any]:
    """Context of a create call that tags the new resource for the runtime stack `stack`."""
    return {
        "aws:RequestTag/app:stack": stack,
        "aws:RequestTag/app:project": RUNTIME_PROJECT,
        "aws:TagKeys": ["app:runtime", "app:project", "app:stack"],
    }


def _bounded(boundary: str | None) -> dict[str, str]:
    return {"iam:PermissionsBoundary": boundary} if boundary else {}


SG = _arn("ec2", "security-group/sg-0123")
VPC = _arn("ec2", "vpc/vpc-0123")
SERVICE = _arn("ecs", "service/web-cluster-abc/web-service-abc")
ALB = _arn("elasticloadbalancing", "loadbalancer/app/web-alb-abc/50dc6c495c0c9188")
GROUP = _arn("codedeploy", "deploymentgroup:web-app-abc/web-group-abc")
FUNCTION = _arn("lambda", "function:web-test-gate-gate-abc")
ALARM = _arn("cloudwatch", "alarm:web-5xx-abc")
KEY = _arn("kms", "key/00000000-0000-0000-0000-000000000000")
#: components/log_encryption.py's key policy: KMS needs it to delegate to IAM policies.
KEY_POLICY = json.loads(key_policy_document(REGION, ACCOUNT))
TASK_ROLE = _role("web-task-role-abc")
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
LB_ROLE_POLICY = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
LISTENER = _arn(
    "elasticloadbalancing", "listener/app/web-alb-abc/50dc6c495c0c9188/f2f7dc8efc522ab2"
)
RULE = _arn(
    "elasticloadbalancing",
    "listener-rule/app/web-alb-abc/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
)
#: Application Auto Scaling names its target-tracking alarms after the scalable target.
TARGET_TRACKING_ALARM = _arn(
    "cloudwatch",
    "alarm:TargetTracking-service/web-cluster-abc/web-service-abc-AlarmHigh-"
    "3f0b1c2d-4e5f-6789-abcd-ef0123456789",
)
RUNTIME_TRACKING = "TargetTracking-service/dev-cluster-abc1234"
SERVICE_DEPLOYMENT = _arn("ecs", "service-deployment/web-cluster-abc/web-service-abc/r4nd0m")
#: The dev runtime's resources (components/runtime.py names, Pulumi auto-naming suffixes).
RUNTIME_ALB = _arn("elasticloadbalancing", "loadbalancer/app/dev-alb-1234567/60dc6c495c0c9188")
RUNTIME_LISTENER = _arn(
    "elasticloadbalancing", "listener/app/dev-alb-1234567/60dc6c495c0c9188/a2f7dc8efc522ab2"
)
RUNTIME_RULE = f"{RUNTIME_LISTENER.replace(':listener/', ':listener-rule/')}/7683b2d02a6cabee"
RUNTIME_CLUSTER = _arn("ecs", "cluster/dev-cluster-abc1234")
RUNTIME_SG = _arn("ec2", "security-group/sg-0runtime")
ORDERS_SERVICE = _arn("ecs", "service/dev-cluster-abc1234/orders-service-abc")
BILLING_SERVICE = _arn("ecs", "service/dev-cluster-abc1234/billing-service-abc")
PROD_LISTENER = _arn(
    "elasticloadbalancing", "listener/app/prod-alb-7654321/70dc6c495c0c9188/b2f7dc8efc522ab2"
)

#: (id, request, expected) for dev's deploy role.
ESCALATION: list[tuple[str, Request, str]] = [
    ("create a role without a boundary",
     Request("iam:CreateRole", _role("web-evil"), _creating("dev")), EXPLICIT),
    ("create a role under prod's boundary",
     Request("iam:CreateRole", _role("web-evil"), _creating("dev") | _bounded(PROD.boundary_arn)),
     EXPLICIT),
    ("write an inline policy on a role without a boundary",
     Request("iam:PutRolePolicy", TASK_ROLE, _on("dev")), EXPLICIT),
    ("attach a listed policy to a role without a boundary",
     Request("iam:AttachRolePolicy", TASK_ROLE,
             _on("dev") | {"iam:PolicyARN": EXECUTION_POLICY}), EXPLICIT),
    ("attach AdministratorAccess to a bounded role",
     Request("iam:AttachRolePolicy", TASK_ROLE,
             _on("dev") | _bounded(DEV.boundary_arn) | {"iam:PolicyARN": ADMIN}), IMPLICIT),
    ("remove a role's boundary",
     Request("iam:DeleteRolePermissionsBoundary", TASK_ROLE,
             _on("dev") | _bounded(DEV.boundary_arn)), EXPLICIT),
    ("swap a role's boundary for another policy",
     Request("iam:PutRolePermissionsBoundary", TASK_ROLE,
             _on("dev") | _bounded(f"arn:aws:iam::{ACCOUNT}:policy/web-open")), EXPLICIT),
    ("edit the boundary itself",
     Request("iam:CreatePolicyVersion", DEV.boundary_arn), EXPLICIT),
    ("pass a role to EC2",
     Request("iam:PassRole", TASK_ROLE, {"iam:PassedToService": "ec2.amazonaws.com"}), IMPLICIT),
    ("create a role outside the name prefix",
     Request("iam:CreateRole", _role("admin"), _creating("dev") | _bounded(DEV.boundary_arn)),
     IMPLICIT),
]  # fmt: skip

ESCALATION += [
    ("attach the ECS load-balancer policy to a role without a boundary",
     Request("iam:AttachRolePolicy", TASK_ROLE,
             _on("dev") | {"iam:PolicyARN": LB_ROLE_POLICY}), EXPLICIT),
    ("pass a role outside the prefix to ECS",
     Request("iam:PassRole", _role("admin"), {"iam:PassedToService": "ecs.amazonaws.com"}),
     IMPLICIT),
]  # fmt: skip

ISOLATION: list[tuple[str, Request, str]] = [
    ("delete prod's service", Request("ecs:DeleteService", SERVICE, _on("prod")), EXPLICIT),
    ("register a task definition for prod",
     Request("ecs:RegisterTaskDefinition", _arn("ecs", "task-definition/web-prod:3"),
             _creating("prod")), EXPLICIT),
    ("delete prod's load balancer",
     Request("elasticloadbalancing:DeleteLoadBalancer", ALB, _on("prod")), EXPLICIT),
    ("release to prod's deployment group",
     Request("codedeploy:CreateDeployment", GROUP, _on("prod")), EXPLICIT),
    ("replace prod's gate code",
     Request("lambda:UpdateFunctionCode", FUNCTION, _on("prod")), EXPLICIT),
    ("delete prod's alarm", Request("cloudwatch:DeleteAlarms", ALARM, _on("prod")), EXPLICIT),
    ("write a policy on prod's role",
     Request("iam:PutRolePolicy", TASK_ROLE, _on("prod") | _bounded(DEV.boundary_arn)),
     EXPLICIT),
    ("act on another project's service, same stack name",
     Request("ecs:UpdateService", SERVICE, _on("dev", "other-project")), EXPLICIT),
    ("delete prod's security group",
     Request("ec2:DeleteSecurityGroup", SG, _on("prod")), EXPLICIT),
    ("delete an untagged security group", Request("ec2:DeleteSecurityGroup", SG), IMPLICIT),
    ("open prod's security group",
     Request("ec2:AuthorizeSecurityGroupIngress", SG, _on("prod")), EXPLICIT),
    ("add a rule tagged for prod",
     Request("ec2:AuthorizeSecurityGroupIngress", _arn("ec2", "security-group-rule/*"),
             _creating("prod")), EXPLICIT),
    ("delete prod's VPC", Request("ec2:DeleteVpc", VPC, _on("prod")), EXPLICIT),
    ("retag prod's security group as dev's",
     Request("ec2:CreateTags", SG, _on("prod") | _creating("dev")), EXPLICIT),
    ("tag own service as prod's",
     Request("ecs:TagResource", SERVICE, _on("dev") | _creating("prod")), EXPLICIT),
    ("strip the stack tag from own service",
     Request("ecs:UntagResource", SERVICE, _on("dev") | {"aws:TagKeys": ["app:stack"]}),
     EXPLICIT),
    ("change prod's access-log bucket policy",
     Request("s3:PutBucketPolicy", "arn:aws:s3:::web-prod-alb-logs-20260101"), IMPLICIT),
    ("schedule deletion of prod's log key",
     Request("kms:ScheduleKeyDeletion", KEY, _on("prod"), resource_policy=KEY_POLICY),
     EXPLICIT),
    ("move prod's alias to own key",
     Request("kms:UpdateAlias", KEY, _on("prod"), resource_policy=KEY_POLICY), EXPLICIT),
    ("alarms target tracking creates for another service",
     Request("cloudwatch:PutMetricAlarm", _arn(
         "cloudwatch", "alarm:TargetTracking-service/prod-cluster-abc/prod-service-abc-AlarmHigh-1"
     )), IMPLICIT),
    ("point prod's alias elsewhere",
     Request("kms:UpdateAlias", _arn("kms", "alias/web-prod-logs")), IMPLICIT),
    ("create a key tagged for prod",
     Request("kms:CreateKey", "*", _creating("prod")), EXPLICIT),
    ("stop prod's service deployment",
     Request("ecs:StopServiceDeployment", SERVICE_DEPLOYMENT, _on("prod")), EXPLICIT),
    ("shift prod's listener rule", Request("elasticloadbalancing:ModifyRule", RULE, _on("prod")),
     EXPLICIT),
    ("add a rule to a runtime's listener without attaching to it",
     Request("elasticloadbalancing:CreateRule", RUNTIME_LISTENER, _on_runtime() | _creating("dev")),
     EXPLICIT),
]  # fmt: skip

NEEDED: list[tuple[str, Request, str]] = [
    ("create a role with the boundary",
     Request("iam:CreateRole", TASK_ROLE, _creating("dev") | _bounded(DEV.boundary_arn)),
     ALLOWED),
    ("write an inline policy on a bounded role",
     Request("iam:PutRolePolicy", TASK_ROLE, _on("dev") | _bounded(DEV.boundary_arn)), ALLOWED),
    ("attach the execution policy to a bounded role",
     Request("iam:AttachRolePolicy", TASK_ROLE,
             _on("dev") | _bounded(DEV.boundary_arn) | {"iam:PolicyARN": EXECUTION_POLICY}),
     ALLOWED),
    ("put the boundary on a role created before it",
     Request("iam:PutRolePermissionsBoundary", TASK_ROLE, _on("dev") | _bounded(DEV.boundary_arn)),
     ALLOWED),
    ("pass a role to Lambda",
     Request("iam:PassRole", TASK_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}), ALLOWED),
    ("pass the flow-log role",
     Request("iam:PassRole", _role("web-flow-logs-abc"),
             {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}), ALLOWED),
    ("delete a role", Request("iam:DeleteRole", TASK_ROLE, _on("dev")), ALLOWED),
    ("create the service", Request("ecs:CreateService", SERVICE, _creating("dev")), ALLOWED),
    ("register a task definition",
     Request("ecs:RegisterTaskDefinition", _arn("ecs", "task-definition/web-dev:3"),
             _creating("dev")), ALLOWED),
    ("update own service", Request("ecs:UpdateService", SERVICE, _on("dev")), ALLOWED),
    ("release to own deployment group",
     Request("codedeploy:CreateDeployment", GROUP, _on("dev")), ALLOWED),
    ("change own load balancer",
     Request("elasticloadbalancing:ModifyLoadBalancerAttributes", ALB, _on("dev")), ALLOWED),
    ("create a security group",
     Request("ec2:CreateSecurityGroup", _arn("ec2", "security-group/*"), _creating("dev")),
     ALLOWED),
    ("tag it while creating",
     Request("ec2:CreateTags", SG, _creating("dev") | {"ec2:CreateAction": "CreateSecurityGroup"}),
     ALLOWED),
    ("open own security group",
     Request("ec2:AuthorizeSecurityGroupIngress", SG, _on("dev")), ALLOWED),
    ("... the rule, created with tags",
     Request("ec2:AuthorizeSecurityGroupIngress", _arn("ec2", "security-group-rule/*"),
             _creating("dev")), ALLOWED),
    ("tag the rule while creating",
     Request("ec2:CreateTags", _arn("ec2", "security-group-rule/sgr-0123"),
             _creating("dev") | {"ec2:CreateAction": "AuthorizeSecurityGroupIngress"}), ALLOWED),
    ("revoke a rule of own security group",
     Request("ec2:RevokeSecurityGroupIngress", SG, _on("dev")), ALLOWED),
    ("delete own security group", Request("ec2:DeleteSecurityGroup", SG, _on("dev")), ALLOWED),
    ("create the VPC", Request("ec2:CreateVpc", _arn("ec2", "vpc/*"), _creating("dev")), ALLOWED),
    ("delete own VPC", Request("ec2:DeleteVpc", VPC, _on("dev")), ALLOWED),
    ("create flow logs on own VPC",
     Request("ec2:CreateFlowLogs", VPC, _on("dev")), ALLOWED),
    ("delete the probe's leftover interface",
     Request("ec2:DeleteNetworkInterface", _arn("ec2", "network-interface/eni-0123")), ALLOWED),
    ("create the access-log bucket",
     Request("s3:CreateBucket", "arn:aws:s3:::web-dev-alb-logs-20260101"), ALLOWED),
    ("write its policy",
     Request("s3:PutBucketPolicy", "arn:aws:s3:::web-dev-alb-logs-20260101"), ALLOWED),
    ("create the log key", Request("kms:CreateKey", "*", _creating("dev")), ALLOWED),
    ("turn on rotation",
     Request("kms:EnableKeyRotation", KEY, _on("dev"), resource_policy=KEY_POLICY), ALLOWED),
    ("name the key", Request("kms:CreateAlias", _arn("kms", "alias/web-dev-logs")), ALLOWED),
    ("... on the key",
     Request("kms:CreateAlias", KEY, _on("dev"), resource_policy=KEY_POLICY), ALLOWED),
    ("encrypt a log group",
     Request("logs:AssociateKmsKey", _arn("logs", "log-group:/aws/lambda/web-test-gate-gate-abc"),
             _on("dev")), ALLOWED),
    ("create the web ACL",
     Request("wafv2:CreateWebACL", _arn("wafv2", "regional/webacl/web-waf-abc/1234"),
             _creating("dev")), ALLOWED),
    ("associate it with own load balancer",
     Request("wafv2:AssociateWebACL", ALB, _on("dev")), ALLOWED),
    ("wait for the CI image",
     Request("ecr:DescribeImages", IMAGES), ALLOWED),
    # The release engine stops a release at its budget or on destroy, and ends the previous
    # release's termination wait: both actions take no resource.
    ("stop a release", Request("codedeploy:StopDeployment", "*", _reading()), ALLOWED),
    ("end a termination wait", Request("codedeploy:ContinueDeployment", "*", _reading()), ALLOWED),
    ("replace the log key: the alias moves",
     Request("kms:UpdateAlias", _arn("kms", "alias/web-dev-logs")), ALLOWED),
    ("... the old and the new key", Request("kms:UpdateAlias", KEY, _on("dev"),
                                            resource_policy=KEY_POLICY), ALLOWED),
    ("target tracking creates its alarms",
     Request("cloudwatch:PutMetricAlarm", TARGET_TRACKING_ALARM), ALLOWED),
    ("... and deletes them", Request("cloudwatch:DeleteAlarms", TARGET_TRACKING_ALARM), ALLOWED),
    ("... and reads them", Request("cloudwatch:DescribeAlarms", TARGET_TRACKING_ALARM,
                                   _reading()), ALLOWED),
]  # fmt: skip

#: What the ECS controller (components/release/ecs/) adds to a `pulumi up`.
ECS_CONTROLLER: list[tuple[str, Request, str]] = [
    ("attach the ECS load-balancer policy to a bounded role",
     Request("iam:AttachRolePolicy", _role("web-ecs-lb-role-abc"),
             _on("dev") | _bounded(DEV.boundary_arn) | {"iam:PolicyARN": LB_ROLE_POLICY}),
     ALLOWED),
    ("write the hook role's invoke policy",
     Request("iam:PutRolePolicy", _role("web-ecs-hook-role-abc"),
             _on("dev") | _bounded(DEV.boundary_arn)), ALLOWED),
    ("pass the load-balancer and hook roles to ECS",
     Request("iam:PassRole", _role("web-ecs-lb-role-abc"),
             {"iam:PassedToService": "ecs.amazonaws.com"}), ALLOWED),
    ("create the production rule",
     Request("elasticloadbalancing:CreateRule", LISTENER, _on("dev") | _creating("dev")),
     ALLOWED),
    ("change own rule's conditions",
     Request("elasticloadbalancing:ModifyRule", RULE, _on("dev")), ALLOWED),
    ("delete own rule", Request("elasticloadbalancing:DeleteRule", RULE, _on("dev")), ALLOWED),
    ("create the service with hooks and alarms",
     Request("ecs:CreateService", SERVICE, _creating("dev")), ALLOWED),
    ("roll back on Ctrl-C (sigint_rollback)",
     Request("ecs:StopServiceDeployment", SERVICE_DEPLOYMENT, _on("dev")), ALLOWED),
    ("release check lists the deployments",
     Request("ecs:ListServiceDeployments", SERVICE, _on("dev") | _reading()), ALLOWED),
    ("... describes one", Request("ecs:DescribeServiceDeployments", SERVICE_DEPLOYMENT, _reading()),
     ALLOWED),
    ("... and the revisions",
     Request("ecs:DescribeServiceRevisions",
             _arn("ecs", "service-revision/web-cluster-abc/web-service-abc/1"), _reading()),
     ALLOWED),
    ("wait for steady state",
     Request("ecs:DescribeServices", SERVICE, _on("dev") | _reading()), ALLOWED),
]  # fmt: skip

#: A role under the boundary whose own policy allows everything.
UNDER_BOUNDARY: list[tuple[str, Request, str]] = [
    ("bounded role creates a role",
     Request("iam:CreateRole", _role("web-next"), _bounded(DEV.boundary_arn)), EXPLICIT),
    ("bounded role writes itself a policy",
     Request("iam:PutRolePolicy", TASK_ROLE, _bounded(DEV.boundary_arn)), EXPLICIT),
    ("bounded role attaches AdministratorAccess",
     Request("iam:AttachRolePolicy", TASK_ROLE, {"iam:PolicyARN": ADMIN}), EXPLICIT),
    ("bounded role stops CloudTrail",
     Request("cloudtrail:StopLogging", _arn("cloudtrail", "trail/org")), EXPLICIT),
    ("bounded role deletes the flow logs",
     Request("ec2:DeleteFlowLogs", _arn("ec2", "vpc-flow-log/fl-0123")), EXPLICIT),
    ("bounded role assumes another role",
     Request("sts:AssumeRole", _role("OrganizationAccountAccessRole")), IMPLICIT),
    ("bounded role reads S3 anywhere",
     Request("s3:ListBucket", "arn:aws:s3:::web-prod-alb-logs-20260101"), IMPLICIT),
    ("bounded role passes a role to Lambda",
     Request("iam:PassRole", TASK_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}),
     IMPLICIT),
    ("task pulls its image",
     Request("ecr:BatchGetImage", _arn("ecr", "repository/ecs-blue-green/web")), ALLOWED),
    ("task writes its logs",
     Request("logs:PutLogEvents", _arn("logs", "log-group:web-logs-abc:log-stream:app/1")),
     ALLOWED),
    ("CodeDeploy shifts traffic",
     Request("elasticloadbalancing:ModifyListener",
             _arn("elasticloadbalancing", "listener/app/web-alb-abc/50dc6c495c0c9188/1")),
     ALLOWED),
    ("CodeDeploy hands the task role to ECS",
     Request("iam:PassRole", TASK_ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
     ALLOWED),
    ("gate reports to CodeDeploy",
     Request("codedeploy:PutLifecycleEventHookExecutionStatus", "*"), ALLOWED),
    ("ECS registers green tasks",
     Request("elasticloadbalancing:RegisterTargets",
             _arn("elasticloadbalancing", "targetgroup/web-green-abc/73e2d6bc24d8a067")),
     ALLOWED),
    ("ECS drains blue",
     Request("elasticloadbalancing:DeregisterTargets",
             _arn("elasticloadbalancing", "targetgroup/web-blue-abc/83e2d6bc24d8a067")),
     ALLOWED),
    ("ECS shifts the rule weights", Request("elasticloadbalancing:ModifyRule", RULE), ALLOWED),
    ("ECS waits for green's health",
     Request("elasticloadbalancing:DescribeTargetHealth", "*"), ALLOWED),
    ("ECS invokes a lifecycle hook", Request("lambda:InvokeFunction", FUNCTION), ALLOWED),
    ("bounded role passes a role to ECS",
     Request("iam:PassRole", TASK_ROLE, {"iam:PassedToService": "ecs.amazonaws.com"}), IMPLICIT),
]  # fmt: skip

#: orders-dev, attached to the dev runtime.
ATTACHED: list[tuple[str, Request, str]] = [
    ("create the service in the runtime's cluster",
     Request("ecs:CreateService", ORDERS_SERVICE, _creating("orders-dev")), ALLOWED),
    ("update it", Request("ecs:UpdateService", ORDERS_SERVICE, _on("orders-dev")), ALLOWED),
    ("roll its deployment back",
     Request("ecs:StopServiceDeployment",
             ORDERS_SERVICE.replace(":service/", ":service-deployment/") + "/r4nd0m",
             _on("orders-dev")), ALLOWED),
    ("add its rule to the runtime's listener",
     Request("elasticloadbalancing:CreateRule", RUNTIME_LISTENER,
             _on_runtime() | _creating("orders-dev")), ALLOWED),
    ("change its rule", Request("elasticloadbalancing:ModifyRule", RUNTIME_RULE,
                                _on("orders-dev")), ALLOWED),
    ("delete its rule", Request("elasticloadbalancing:DeleteRule", RUNTIME_RULE,
                                _on("orders-dev")), ALLOWED),
    ("open the runtime ALB's group to its tasks",
     Request("ec2:AuthorizeSecurityGroupEgress", RUNTIME_SG, _on_runtime()), ALLOWED),
    ("... that rule, tagged for the stack",
     Request("ec2:AuthorizeSecurityGroupEgress", _arn("ec2", "security-group-rule/*"),
             _creating("orders-dev")), ALLOWED),
    ("remove that rule again",
     Request("ec2:RevokeSecurityGroupEgress", RUNTIME_SG, _on_runtime()), ALLOWED),
    ("target tracking alarms of its service",
     Request("cloudwatch:PutMetricAlarm",
             _arn("cloudwatch", f"alarm:{RUNTIME_TRACKING}/orders-service-abc-AlarmLow-1")),
     ALLOWED),
    ("... not those of another stack's service in the cluster",
     Request("cloudwatch:DeleteAlarms",
             _arn("cloudwatch", f"alarm:{RUNTIME_TRACKING}/billing-service-abc-AlarmLow-1")),
     IMPLICIT),
    ("create its target groups",
     Request("elasticloadbalancing:CreateTargetGroup",
             _arn("elasticloadbalancing", "targetgroup/orders-blue-abc/73e2d6bc24d8a067"),
             _creating("orders-dev")), ALLOWED),
    ("delete the runtime's ALB",
     Request("elasticloadbalancing:DeleteLoadBalancer", RUNTIME_ALB, _on_runtime()), EXPLICIT),
    ("delete the runtime's listener",
     Request("elasticloadbalancing:DeleteListener", RUNTIME_LISTENER, _on_runtime()), EXPLICIT),
    ("change the listener's default action",
     Request("elasticloadbalancing:ModifyListener", RUNTIME_LISTENER, _on_runtime()), EXPLICIT),
    ("delete the runtime's cluster",
     Request("ecs:DeleteCluster", RUNTIME_CLUSTER, _on_runtime()), EXPLICIT),
    ("delete the runtime ALB's group",
     Request("ec2:DeleteSecurityGroup", RUNTIME_SG, _on_runtime()), EXPLICIT),
    ("change the runtime ALB's attributes",
        Request("elasticloadbalancing:ModifyLoadBalancerAttributes", RUNTIME_ALB, _on_runtime()),
        EXPLICIT,
    ),
    ("delete another stack's rule",
     Request("elasticloadbalancing:DeleteRule", RUNTIME_RULE, _on("billing-dev")), EXPLICIT),
    ("shift another stack's rule",
     Request("elasticloadbalancing:ModifyRule", RUNTIME_RULE, _on("billing-dev")), EXPLICIT),
    ("add a rule tagged for another stack",
     Request("elasticloadbalancing:CreateRule", RUNTIME_LISTENER,
             _on_runtime() | _creating("billing-dev")), EXPLICIT),
    ("add an untagged rule", Request("elasticloadbalancing:CreateRule", RUNTIME_LISTENER,
                                     _on_runtime()), IMPLICIT),
    ("reorder rules (SetRulePriorities takes no tags)",
     Request("elasticloadbalancing:SetRulePriorities", RUNTIME_RULE, _on("orders-dev")),
     IMPLICIT),
    ("update another stack's service in the cluster",
     Request("ecs:UpdateService", BILLING_SERVICE, _on("billing-dev")), EXPLICIT),
    ("add a rule to another runtime's listener",
     Request("elasticloadbalancing:CreateRule", PROD_LISTENER,
             _on_runtime("prod") | _creating("orders-dev")), EXPLICIT),
    ("open another runtime's group",
     Request("ec2:AuthorizeSecurityGroupIngress", RUNTIME_SG, _on_runtime("prod")), EXPLICIT),
    ("create a service in a cluster of other names",
     Request("ecs:CreateService", _arn("ecs", "service/payments-cluster-abc/orders-service-abc"),
             _creating("orders-dev")), IMPLICIT),
]  # fmt: skip

#: The dev runtime stack's own role.
RUNTIME_ROLE: list[tuple[str, Request, str]] = [
    ("create the runtime's ALB",
     Request("elasticloadbalancing:CreateLoadBalancer", RUNTIME_ALB, _creating_runtime()),
     ALLOWED),
    ("create the cluster", Request("ecs:CreateCluster", RUNTIME_CLUSTER, _creating_runtime()),
     ALLOWED),
    ("change own listener",
     Request("elasticloadbalancing:ModifyListener", RUNTIME_LISTENER, _on_runtime()), ALLOWED),
    ("open own group", Request("ec2:AuthorizeSecurityGroupIngress", RUNTIME_SG, _on_runtime()),
     ALLOWED),
    ("create the runtime's VPC",
     Request("ec2:CreateVpc", _arn("ec2", "vpc/*"), _creating_runtime()), ALLOWED),
    ("delete a service's rule on its listener",
     Request("elasticloadbalancing:DeleteRule", RUNTIME_RULE, _on("orders-dev")), EXPLICIT),
    ("update a service in its cluster",
     Request("ecs:UpdateService", ORDERS_SERVICE, _on("orders-dev")), EXPLICIT),
    ("delete the prod runtime's ALB",
     Request("elasticloadbalancing:DeleteLoadBalancer", RUNTIME_ALB, _on_runtime("prod")),
     EXPLICIT),
    ("create a role", Request("iam:CreateRole", _role("dev-anything"), _creating_runtime()),
     IMPLICIT),
    ("pass a role", Request("iam:PassRole", _role("dev-anything"),
                            {"iam:PassedToService": "ecs-tasks.amazonaws.com"}), IMPLICIT),
]  # fmt: skip

DEPLOY_CASES = ESCALATION + ISOLATION + NEEDED + ECS_CONTROLLER
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    deploy = simulate([r for _, r, _ in DEPLOY_CASES], deploy_policies(DEV))
    bounded = simulate(
        [r for _, r, _ in UNDER_BOUNDARY], {"inline": ADMIN_POLICY}, boundary_policy(DEV)
    )
    attached = simulate([r for _, r, _ in ATTACHED], deploy_policies(ORDERS))
    runtime = simulate([r for _, r, _ in RUNTIME_ROLE], runtime_policies(RUNTIME))
    ids = [i for i, _, _ in DEPLOY_CASES + UNDER_BOUNDARY + ATTACHED + RUNTIME_ROLE]
    assert len(set(ids)) == len(ids)
    return dict(zip(ids, deploy + bounded + attached + runtime, strict=True))


def _ids(cases: list[tuple[str, Request, str]]) -> list[str]:
    return [case for case, _, _ in cases]


def _check(outcomes: dict[str, Outcome], case: str, request: Request, expected: str) -> None:
    outcome = outcomes[case]
    assert outcome.result == expected, (case, request)
    # A condition key the action does not take would make the test prove nothing.
    relied_on = {k for k in request.context if not k.startswith("aws:")}
    assert not relied_on & set(outcome.ignored_context_keys), outcome.ignored_context_keys


@pytest.mark.parametrize(("case", "request_", "expected"), ESCALATION, ids=_ids(ESCALATION))
def test_the_escalation_path_is_closed(
    outcomes: dict[str, Outcome], case: str, request_: Request, expected: str
) -> None:
    _check(outcomes, case, request_, expected)


@pytest.mark.parametrize(("case", "request_", "expected"), UNDER_BOUNDARY, ids=_ids(UNDER_BOUNDARY))
def test_the_boundary_caps_any_role_the_stack_creates(
    outcomes: dict[str, Outcome], case: str, request_: Request, expected: str
) -> None:
    _check(outcomes, case, request_, expected)


@pytest.mark.parametrize(("case", "request_", "expected"), ISOLATION, ids=_ids(ISOLATION))
def test_dev_cannot_touch_prod(
    outcomes: dict[str, Outcome], case: str, request_: Request, expected: str
) -> None:
    _check(outcomes, case, request_, expected)


@pytest.mark.parametrize(("case", "request_", "expected"), NEEDED, ids=_ids(NEEDED))
def test_what_the_stack_needs_is_allowed(
    outcomes: dict[str, Outcome], case: str, request_: Request, expected: str
) -> None:
    _check(outcomes, case, request_, expected)


@pytest.mark.parametrize(("case", "request_", "expected"), ECS_CONTROLLER, ids=_ids(ECS_CONTROLLER))
def test_what_the_ecs_controller_needs_is_allowed(
    outcomes: dict[str, Outcome], case: str, request_: Request, expected: str
) -> None:
    _check(outcomes, case, request_, expected)


@pytest.mark.parametrize(("case", "request_", "expected"), ATTACHED, ids=_ids(ATTACHED))
def test_an_attached_stack_adds_only_its_own_parts_to_the_runtime(
    outcomes: dict[str, Outcome], case: str, request_: Request, expected: str
) -> None:
    _check(outcomes, case, request_, expected)


@pytest.mark.parametrize(("case", "request_", "expected"), RUNTIME_ROLE, ids=_ids(RUNTIME_ROLE))
def test_the_runtime_role_manages_the_runtime_and_no_service(
    outcomes: dict[str, Outcome], case: str, request_: Request, expected: str
) -> None:
    _check(outcomes, case, request_, expected)
