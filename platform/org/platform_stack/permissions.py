"""What the application stack's `pulumi up` may do in AWS: IAM policy documents, no resources.

Writes are scoped to resources whose names start with the stack's name prefix wherever the
service has name-based ARNs (ECS, ECR, ELB, CodeDeploy, Lambda, CloudWatch alarms, logs, IAM).
Where it is broader, the statement says why: EC2 networking and Application Auto Scaling have
only ID-based ARNs, several describe/list/register calls accept no resource, and the provider
refreshes everything it manages. Reads are account-wide and limited to the services the stack
uses.

Policies are split by concern, each under the 6,144-character limit of a managed policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

#: Services the application's IAM roles are passed to: ECS tasks (execution and task role),
#: CodeDeploy (its service role), Lambda (the test-traffic gate and probe) and ECS itself (the
#: infrastructure role of native blue/green).
PASSED_TO_SERVICES: Final = (
    "ecs-tasks.amazonaws.com",
    "codedeploy.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs.amazonaws.com",
)
#: Service-linked roles an account gets on first use of ECS, load balancers and ECS scaling.
SERVICE_LINKED_ROLE_SERVICES: Final = (
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
)
MANAGED_POLICY_MAX_CHARS: Final = 6144
POLICY_NAMES: Final = ("compute", "network", "release", "iam", "read")

Statement = dict[str, Any]
Document = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Where one application stack's deploy role may write."""

    account: str
    region: str
    name_prefix: str
    attachable_policy_arns: tuple[str, ...]
    allow_vpc_management: bool
    image_repository_arn: str | None
    """The CI-built image repository the pre-run command polls; None when the stack builds."""

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"

    @property
    def ec2_any(self) -> str:
        return self.arn("ec2", "*")


def _allow(sid: str, actions: list[str], resources: list[str], **condition: Any) -> Statement:
    statement: Statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _document(*statements: Statement) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def compute_policy(scope: Scope) -> Document:
    """ECS, ECR, Application Auto Scaling and CloudWatch Logs."""
    p = scope.name_prefix
    statements = [
        _allow(
            "EcsNamedResources",
            ["ecs:*"],
            [
                scope.arn("ecs", f"cluster/{p}*"),
                scope.arn("ecs", f"service/{p}*/*"),
                scope.arn("ecs", f"task-definition/{p}*:*"),
            ],
        ),
        # Registering and deregistering revisions accept no resource ARN; what a revision may
        # run is still bounded by iam:PassRole below.
        _allow(
            "EcsTaskDefinitionsAcceptNoResource",
            [
                "ecs:RegisterTaskDefinition",
                "ecs:DeregisterTaskDefinition",
                "ecs:DescribeTaskDefinition",
            ],
            ["*"],
        ),
        _allow("EcrNamedRepositories", ["ecr:*"], [scope.arn("ecr", f"repository/{p}*")]),
        _allow("EcrLoginAcceptsNoResource", ["ecr:GetAuthorizationToken"], ["*"]),
        # Scalable targets and policies have generated IDs, not names.
        _allow(
            "AutoScalingHasNoNamedArns",
            [
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:DeregisterScalableTarget",
                "application-autoscaling:PutScalingPolicy",
                "application-autoscaling:DeleteScalingPolicy",
                "application-autoscaling:TagResource",
                "application-autoscaling:UntagResource",
                "application-autoscaling:ListTagsForResource",
            ],
            ["*"],
            StringEquals={"aws:RequestedRegion": scope.region},
        ),
        # Log group names carry the prefix after a path (/ecs/<name>, /aws/lambda/<name>).
        _allow("LogGroupsContainingThePrefix", ["logs:*"], [scope.arn("logs", f"log-group:*{p}*")]),
    ]
    if scope.image_repository_arn:
        statements.append(
            _allow(
                "WaitForTheCiImage",
                ["ecr:DescribeImages", "ecr:BatchGetImage", "ecr:DescribeRepositories"],
                [scope.image_repository_arn],
            )
        )
    return _document(*statements)


def network_policy(scope: Scope) -> Document:
    """Load balancers, security groups and, when allowed, the VPC."""
    p = scope.name_prefix
    statements = [
        _allow(
            "LoadBalancersNamedWithThePrefix",
            ["elasticloadbalancing:*"],
            [
                scope.arn("elasticloadbalancing", f"loadbalancer/app/{p}*/*"),
                scope.arn("elasticloadbalancing", f"listener/app/{p}*/*/*"),
                scope.arn("elasticloadbalancing", f"listener-rule/app/{p}*/*/*/*"),
                scope.arn("elasticloadbalancing", f"targetgroup/{p}*/*"),
            ],
        ),
        # Security groups and their rules have ID-based ARNs only: scoped to account and region.
        # Deleting the test-traffic probe's security group first removes the network
        # interfaces its VPC Lambda function leaves behind.
        _allow(
            "SecurityGroupsHaveIdArnsOnly",
            [
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:ModifySecurityGroupRules",
                "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
                "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                "ec2:CreateTags",
                "ec2:DeleteTags",
                "ec2:DetachNetworkInterface",
                "ec2:DeleteNetworkInterface",
            ],
            [scope.ec2_any],
        ),
    ]
    if scope.allow_vpc_management:
        statements.append(
            _allow(
                "VpcResourcesHaveIdArnsOnly",
                [
                    "ec2:CreateVpc",
                    "ec2:DeleteVpc",
                    "ec2:ModifyVpcAttribute",
                    "ec2:CreateSubnet",
                    "ec2:DeleteSubnet",
                    "ec2:ModifySubnetAttribute",
                    "ec2:CreateRouteTable",
                    "ec2:DeleteRouteTable",
                    "ec2:CreateRoute",
                    "ec2:DeleteRoute",
                    "ec2:ReplaceRoute",
                    "ec2:AssociateRouteTable",
                    "ec2:DisassociateRouteTable",
                    "ec2:ReplaceRouteTableAssociation",
                    "ec2:CreateInternetGateway",
                    "ec2:DeleteInternetGateway",
                    "ec2:AttachInternetGateway",
                    "ec2:DetachInternetGateway",
                    "ec2:CreateNatGateway",
                    "ec2:DeleteNatGateway",
                    "ec2:AllocateAddress",
                    "ec2:ReleaseAddress",
                    "ec2:DisassociateAddress",
                ],
                [scope.ec2_any],
            )
        )
    return _document(*statements)


def release_policy(scope: Scope) -> Document:
    """CodeDeploy (resources and the deployments `pulumi up` starts), Lambda hooks, alarms."""
    p = scope.name_prefix
    return _document(
        _allow(
            "CodeDeployNamedResources",
            ["codedeploy:*"],
            [
                scope.arn("codedeploy", f"application:{p}*"),
                scope.arn("codedeploy", f"deploymentgroup:{p}*/*"),
                scope.arn("codedeploy", f"deploymentconfig:{p}*"),
                # Predefined configurations the deployment group may name (read only in AWS).
                scope.arn("codedeploy", "deploymentconfig:CodeDeployDefault.*"),
            ],
        ),
        # Deployment targets are addressed by deployment ID, not by a named ARN.
        _allow(
            "DeploymentTargetsHaveNoNamedArns",
            [
                "codedeploy:GetDeploymentTarget",
                "codedeploy:ListDeploymentTargets",
                "codedeploy:BatchGetDeploymentTargets",
            ],
            ["*"],
        ),
        _allow(
            "LambdaFunctionsNamedWithThePrefix",
            ["lambda:*"],
            [scope.arn("lambda", f"function:{p}*"), scope.arn("lambda", f"function:{p}*:*")],
        ),
        _allow(
            "AlarmsNamedWithThePrefix",
            [
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:EnableAlarmActions",
                "cloudwatch:DisableAlarmActions",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ],
            [scope.arn("cloudwatch", f"alarm:{p}*")],
        ),
        # The deployment group announces failures and rollbacks on it (release-events topic).
        _allow(
            "ReleaseEventsTopicNamedWithThePrefix",
            [
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
            ],
            [scope.arn("sns", f"{p}*")],
        ),
    )


def iam_policy(scope: Scope) -> Document:
    """The roles the application creates, and handing them to the services that use them.

    Broader than the rest by nature: a role that can create roles and put inline policies on
    them can grant those roles anything. Attaching managed policies is limited to
    `attachable_policy_arns`, and passing roles to `PASSED_TO_SERVICES`; a permissions
    boundary would close the inline-policy path (see docs/platform.md).
    """
    roles = scope.arn("iam", f"role/{scope.name_prefix}*", regional=False)
    return _document(
        _allow(
            "RolesNamedWithThePrefix",
            [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRoleTags",
                "iam:PutRolePolicy",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ],
            [roles],
        ),
        _allow(
            "AttachOnlyListedManagedPolicies",
            ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            [roles],
            ArnEquals={"iam:PolicyARN": list(scope.attachable_policy_arns)},
        ),
        _allow(
            "PassRolesOnlyToTheServicesThatRunThem",
            ["iam:PassRole"],
            [roles],
            StringEquals={"iam:PassedToService": list(PASSED_TO_SERVICES)},
        ),
        _allow(
            "ServiceLinkedRolesOnFirstUse",
            ["iam:CreateServiceLinkedRole"],
            [scope.arn("iam", "role/aws-service-role/*", regional=False)],
            StringEquals={"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)},
        ),
    )


def read_policy(scope: Scope) -> Document:
    """Account-wide reads: describe and list calls accept no resource ARN, and `pulumi up`
    refreshes and looks up (subnets, availability zones) what it manages."""
    return _document(
        _allow(
            "DescribeWhatTheStackUses",
            [
                "ec2:Describe*",
                "elasticloadbalancing:Describe*",
                "ecs:Describe*",
                "ecs:List*",
                "application-autoscaling:Describe*",
                "cloudwatch:DescribeAlarms",
                "logs:DescribeLogGroups",
            ],
            ["*"],
            StringEquals={"aws:RequestedRegion": scope.region},
        ),
    )


def deploy_policies(scope: Scope) -> dict[str, Document]:
    """Every policy the deploy role of one stack gets, by short name (`POLICY_NAMES`)."""
    builders = (compute_policy, network_policy, release_policy, iam_policy, read_policy)
    return {name: build(scope) for name, build in zip(POLICY_NAMES, builders, strict=True)}


def image_push_policy(repository_arn: str) -> Document:
    """The image workflow pushes to one repository and nothing else."""
    return _document(
        _allow("EcrLoginAcceptsNoResource", ["ecr:GetAuthorizationToken"], ["*"]),
        _allow(
            "PushToTheImageRepository",
            [
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:DescribeImages",
            ],
            [repository_arn],
        ),
    )
