"""What the application stack's `pulumi up` may do in AWS: IAM policy documents, no resources.

Three layers keep one stack's deploy role inside its own stack:

- names: writes are scoped to resources whose names start with the stack's name prefix wherever
  the service has name-based ARNs (ECS, ECR, ELB, CodeDeploy, Lambda, CloudWatch alarms, logs,
  IAM); S3 buckets and KMS aliases, which take no tag conditions, carry the stack in the name;
- tags: the `isolation` policy denies every action on a resource tagged for another stack or
  project (`aws:ResourceTag/app:stack`, `app:project`, which the component sets on everything),
  and tagging anything for them; EC2, whose ARNs are IDs only, may change or delete only
  resources tagged for the stack;
- the permissions boundary (`boundary_policy`): every role the deploy role creates or edits must
  carry it, and it caps those roles at what the component's roles need, with no IAM writes, so
  a deployment cannot write itself a more powerful role.

Where a statement is broader, it says why: several describe/list/register calls accept no
resource, Application Auto Scaling has generated IDs, and the provider refreshes everything it
manages. Reads are account-wide and limited to the services the stack uses.

Policies are split by concern, each under the 6,144-character limit of a managed policy.
"""

from __future__ import annotations

import re
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
    "vpc-flow-logs.amazonaws.com",
)
#: Service-linked roles an account gets on first use of ECS, load balancers and ECS scaling.
SERVICE_LINKED_ROLE_SERVICES: Final = (
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
)
MANAGED_POLICY_MAX_CHARS: Final = 6144
POLICY_NAMES: Final = ("compute", "network", "release", "iam", "read", "audit", "isolation")
#: Tags the component puts on every taggable resource (components/args.py `tags_for`).
STACK_TAG: Final = "app:stack"
PROJECT_TAG: Final = "app:project"
#: IAM writes, by verb. A role under the boundary may do none of them; `iam:PassRole` is not
#: among them (the CodeDeploy role passes the task roles to ECS).
IAM_WRITE_ACTIONS: Final = tuple(
    f"iam:{verb}*"
    for verb in (
        "Add", "Attach", "Change", "Create", "Deactivate", "Delete", "Detach", "Enable", "Put",
        "Remove", "Reset", "Resync", "Set", "Tag", "Untag", "Update", "Upload",
    )
)  # fmt: skip
#: What the component's roles do at run time (AmazonECSTaskExecutionRolePolicy,
#: AWSLambdaVPCAccessExecutionRole, AWSCodeDeployRoleForECS, the ECS controller's
#: AmazonECSInfrastructureRolePolicyForLoadBalancers and hook role, the test gate's and the flow
#: logs' inline policies): the most any role under the boundary can ever be granted.
#: AmazonECSInfrastructureRolePolicyForLoadBalancers (AWS Managed Policy reference, v6):
#: elasticloadbalancing:Describe{Listeners,Rules,TargetGroups,TargetHealth} on *,
#: RegisterTargets/DeregisterTargets on target groups, ModifyListener on listeners, ModifyRule on
#: ALB listener rules.
RUNTIME_ACTIONS: Final = (
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ecs:DescribeServices",
    "ecs:CreateTaskSet",
    "ecs:UpdateServicePrimaryTaskSet",
    "ecs:DeleteTaskSet",
    "elasticloadbalancing:Describe*",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:DeregisterTargets",
    "lambda:InvokeFunction",
    "cloudwatch:DescribeAlarms",
    "sns:Publish",
    # Publishing to the release-events topic when it is encrypted with the log key (the
    # CodeDeploy role's own policy names the key, through SNS only).
    "kms:GenerateDataKey*",
    "kms:Decrypt",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "codedeploy:PutLifecycleEventHookExecutionStatus",
)

Statement = dict[str, Any]
Document = dict[str, Any]


@dataclass(frozen=True)
class Runtime:
    """A shared runtime stack (`platform/runtime/`, components/runtime.py) in the account.

    Its resources are named `<name>-...` (the ALB `<name>-alb-<suffix>`, the cluster
    `<name>-cluster-<suffix>`, Pulumi auto-naming) and tagged with its project and stack, tags
    no application stack can write (the isolation policy denies tagging for another project)."""

    project: str
    stack: str
    name: str
    """The runtime's `runtimeName`."""

    @property
    def name_prefix(self) -> str:
        return f"{self.name}-"

    @property
    def tags(self) -> dict[str, str]:
        return {STACK_TAG: self.stack, PROJECT_TAG: self.project}


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
    project: str
    """The application's Pulumi project: the `app:project` tag of its resources."""
    stack: str
    """The application stack: the `app:stack` tag of its resources."""
    boundary_name: str
    """Name of the managed policy every role the deploy role creates must carry ('' for a
    runtime stack, whose role may create no roles)."""
    runtime: Runtime | None = None
    """The shared runtime the stack attaches to (`runtimeStack`). Default None: the stack
    brings its own cluster and load balancer and gets no rights on any runtime."""

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"

    @property
    def ec2_any(self) -> str:
        return self.arn("ec2", "*")

    @property
    def boundary_arn(self) -> str:
        return self.arn("iam", f"policy/{self.boundary_name}", regional=False)

    @property
    def stack_part(self) -> str:
        """The stack in S3 bucket and KMS alias names (lowercase; S3 allows no '_' or '.'),
        as components/access_logs.py `access_log_bucket_prefix` writes it."""
        return re.sub(r"[^a-z0-9-]", "-", self.stack.lower())

    @property
    def stack_tags(self) -> dict[str, str]:
        return {STACK_TAG: self.stack, PROJECT_TAG: self.project}

    def tagged_for_the_stack(self) -> dict[str, dict[str, str]]:
        """Condition: the resource carries this stack's tags."""
        return {"StringEquals": _resource_tags(self.stack_tags)}

    def tagging_for_the_stack(self) -> dict[str, str]:
        """StringEquals keys: the request tags the new resource with this stack's tags."""
        return {f"aws:RequestTag/{k}": v for k, v in self.stack_tags.items()}


def _resource_tags(tags: dict[str, str]) -> dict[str, str]:
    return {f"aws:ResourceTag/{k}": v for k, v in tags.items()}


def _allow(sid: str, actions: list[str], resources: list[str], **condition: Any) -> Statement:
    statement: Statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _deny(sid: str, actions: list[str], resources: list[str], **condition: Any) -> Statement:
    statement = _allow(sid, actions, resources, **condition)
    statement["Effect"] = "Deny"
    return statement


def _excluding(statement: Statement, actions: tuple[str, ...]) -> Statement:
    """`statement` for every action but `actions` (a NotAction statement)."""
    rest = {k: v for k, v in statement.items() if k != "Action"}
    return {"Sid": rest.pop("Sid"), "Effect": rest.pop("Effect"), "NotAction": list(actions)} | rest


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
                # The ECS controller: `sigint_rollback` stops a running service deployment
                # (terraform-provider-aws internal/service/ecs/service.go, StopServiceDeployment
                # with stopType ROLLBACK), which authorises the service and the deployment.
                scope.arn("ecs", f"service-deployment/{p}*/*/*"),
                scope.arn("ecs", f"task-definition/{p}*:*"),
            ],
        ),
        # Deregistering and describing revisions accept no resource ARN (registering takes
        # the family's, above); what a revision may run is bounded by iam:PassRole below.
        _allow(
            "EcsTaskDefinitionsAcceptNoResource",
            ["ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition"],
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


#: EC2 calls that create; they change nothing that exists. Tags come with the create call, so
#: `ec2:CreateTags` is allowed there (`ec2:CreateAction`).
EC2_CREATE_ACTIONS: Final = (
    "ec2:CreateSecurityGroup",
    "ec2:CreateFlowLogs",
)
VPC_CREATE_ACTIONS: Final = (
    "ec2:CreateVpc",
    "ec2:CreateSubnet",
    "ec2:CreateRouteTable",
    "ec2:CreateInternetGateway",
    "ec2:CreateNatGateway",
    "ec2:AllocateAddress",
)
#: EC2 calls that change or delete what exists: only on resources tagged for the stack.
EC2_CHANGE_ACTIONS: Final = (
    "ec2:DeleteSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:DeleteFlowLogs",
    "ec2:CreateTags",
    "ec2:DeleteTags",
)
VPC_CHANGE_ACTIONS: Final = (
    "ec2:DeleteVpc",
    "ec2:ModifyVpcAttribute",
    "ec2:DeleteSubnet",
    "ec2:ModifySubnetAttribute",
    "ec2:DeleteRouteTable",
    "ec2:CreateRoute",
    "ec2:DeleteRoute",
    "ec2:ReplaceRoute",
    "ec2:AssociateRouteTable",
    "ec2:DisassociateRouteTable",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:DeleteInternetGateway",
    "ec2:AttachInternetGateway",
    "ec2:DetachInternetGateway",
    "ec2:DeleteNatGateway",
    "ec2:ReleaseAddress",
    "ec2:DisassociateAddress",
)
#: Security-group rules the component creates as separate resources carry no tags; of the rule
#: calls only this one also authorises the rule itself (the group is checked in the same
#: request, against its tags).
RULE_CHANGE_ACTIONS: Final = ("ec2:ModifySecurityGroupRules",)
#: Adding rules changes the group (checked by its tags); with TagSpecifications EC2 also
#: authorises the new rule.
RULE_CREATES: Final = ("ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress")


def network_policy(scope: Scope) -> Document:
    """Load balancers, security groups, flow logs and, when allowed, the VPC.

    EC2 has ID-based ARNs only, so its writes are limited by tags: creating is allowed in the
    account and region, changing and deleting only what is tagged for this stack (awsx tags the
    VPC, subnets, route tables, gateways and EIPs with the component's tags: pulumi-awsx
    awsx/ec2/vpc.ts).
    """
    p = scope.name_prefix
    creates = list(EC2_CREATE_ACTIONS) + (
        list(VPC_CREATE_ACTIONS) if scope.allow_vpc_management else []
    )
    changes = list(EC2_CHANGE_ACTIONS) + (
        list(VPC_CHANGE_ACTIONS) if scope.allow_vpc_management else []
    )
    return _document(
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
        _allow("Ec2CreatesChangeNothingThatExists", creates, [scope.ec2_any]),
        _allow(
            "Ec2TagsOnlyWhileCreating",
            ["ec2:CreateTags"],
            [scope.ec2_any],
            # ec2:CreateAction names the call without the service prefix.
            StringEquals={
                "ec2:CreateAction": [a.removeprefix("ec2:") for a in creates + list(RULE_CREATES)]
            },
        ),
        # A rule created with tags is itself authorised, as a new resource with request tags.
        _allow(
            "NewRulesTaggedForTheStack",
            list(RULE_CREATES),
            [scope.arn("ec2", "security-group-rule/*")],
            StringEquals=scope.tagging_for_the_stack(),
        ),
        _allow(
            "Ec2ChangesOnlyToResourcesTaggedForTheStack",
            changes,
            [scope.ec2_any],
            **scope.tagged_for_the_stack(),
        ),
        _allow(
            "UntaggedRulesOfTaggedGroups",
            list(RULE_CHANGE_ACTIONS),
            [scope.arn("ec2", "security-group-rule/*")],
        ),
        # The network interfaces a VPC Lambda function leaves behind carry no tags; the
        # provider deletes them before the probe's security group (terraform-provider-aws
        # security_group.go, deleteLambdaENIs). An interface in use cannot be deleted.
        _allow(
            "LambdaLeftoverInterfacesCarryNoTags",
            ["ec2:DetachNetworkInterface", "ec2:DeleteNetworkInterface"],
            [scope.arn("ec2", "network-interface/*")],
        ),
    )


#: CodeDeploy calls the release engine makes that take no resource ARN (Service Authorization
#: Reference, AWS CodeDeploy: no resource type, no condition key).
UNSCOPED_CODEDEPLOY_ACTIONS: Final = ("codedeploy:StopDeployment", "codedeploy:ContinueDeployment")


def _target_tracking_alarms(scope: Scope, cluster: str) -> str:
    """The alarms Application Auto Scaling creates for the target-tracking policy of a service
    of the stack in `cluster` (a name pattern): `TargetTracking-<resource id>-AlarmHigh|AlarmLow-
    <uuid>`, the resource id being `service/<cluster>/<service>`. AWS checks the caller's
    PutMetricAlarm, DescribeAlarms and DeleteAlarms for them (Application Auto Scaling User
    Guide, "Target tracking scaling policies for Application Auto Scaling", Permissions)."""
    return scope.arn("cloudwatch", f"alarm:TargetTracking-service/{cluster}/{scope.name_prefix}*")


#: What the stack does to its alarms, and to those target tracking creates for its service.
ALARM_ACTIONS: Final = (
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:EnableAlarmActions",
    "cloudwatch:DisableAlarmActions",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
    "cloudwatch:ListTagsForResource",
)


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
        # The release engine stops a release at its budget and on `pulumi destroy`, and ends a
        # previous release's termination wait. AWS's Service Authorization Reference lists no
        # resource type and no condition key for these two actions: only "*" matches, so any
        # deployment in the account and region can be stopped or continued (docs/security.md,
        # Unscoped actions).
        _allow(
            "StopAndContinueTakeNoResource",
            list(UNSCOPED_CODEDEPLOY_ACTIONS),
            ["*"],
            StringEquals={"aws:RequestedRegion": scope.region},
        ),
        _allow(
            "LambdaFunctionsNamedWithThePrefix",
            ["lambda:*"],
            [scope.arn("lambda", f"function:{p}*"), scope.arn("lambda", f"function:{p}*:*")],
        ),
        _allow(
            "AlarmsNamedWithThePrefix",
            list(ALARM_ACTIONS),
            [
                scope.arn("cloudwatch", f"alarm:{p}*"),
                _target_tracking_alarms(scope, cluster=f"{p}*"),
            ],
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


#: Role writes whose authorisation carries `iam:PermissionsBoundary` (the role's boundary after
#: the call): allowed only with the stack's boundary.
BOUNDED_ROLE_WRITES: Final = (
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
)


def iam_policy(scope: Scope) -> Document:
    """The roles the application creates, and handing them to the services that use them.

    A role that may create roles and put inline policies on them could grant them anything;
    the boundary closes that: creating a role, writing or attaching its policies and setting its
    boundary are allowed only when the role's boundary is `boundary_arn`, and removing or
    changing a boundary is denied. Attaching managed policies is further limited to
    `attachable_policy_arns`, passing roles to `PASSED_TO_SERVICES`.
    """
    roles = scope.arn("iam", f"role/{scope.name_prefix}*", regional=False)
    with_the_boundary = {"iam:PermissionsBoundary": scope.boundary_arn}
    return _document(
        _allow(
            "RolesNamedWithThePrefix",
            [
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRoleTags",
                "iam:GetRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ],
            [roles],
        ),
        _allow(
            "RoleWritesOnlyWithTheBoundary",
            list(BOUNDED_ROLE_WRITES),
            [roles],
            ArnEquals=with_the_boundary,
        ),
        _allow(
            "AttachOnlyListedManagedPolicies",
            ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            [roles],
            ArnEquals={"iam:PolicyARN": list(scope.attachable_policy_arns)} | with_the_boundary,
        ),
        _allow(
            "PassRolesOnlyToTheServicesThatRunThem",
            ["iam:PassRole"],
            [roles],
            StringEquals={"iam:PassedToService": list(PASSED_TO_SERVICES)},
        ),
        _service_linked_roles(scope),
        # Explicit denies also hold against any broader policy someone attaches later.
        _deny(
            "NoRoleWritesWithoutTheBoundary",
            [*BOUNDED_ROLE_WRITES, "iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            ["*"],
            ArnNotEquals=with_the_boundary,
        ),
        _deny("BoundariesAreNeverRemoved", ["iam:DeleteRolePermissionsBoundary"], ["*"]),
        _deny(
            "TheBoundaryIsNotEditable",
            [
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            [scope.boundary_arn],
        ),
    )


def _service_linked_roles(scope: Scope) -> Statement:
    return _allow(
        "ServiceLinkedRolesOnFirstUse",
        ["iam:CreateServiceLinkedRole"],
        [scope.arn("iam", "role/aws-service-role/*", regional=False)],
        StringEquals={"iam:AWSServiceName": list(SERVICE_LINKED_ROLE_SERVICES)},
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


def audit_policy(scope: Scope) -> Document:
    """The access-log bucket, the log encryption key and the optional WAF web ACL."""
    p = scope.name_prefix
    own = f"{p}{scope.stack_part}-"
    return _document(
        # S3 bucket actions take no tag conditions: the bucket name carries the stack.
        _allow(
            "AccessLogBucketsNamedForTheStack",
            ["s3:*"],
            [f"arn:aws:s3:::{own}*"],
        ),
        _allow(
            "LogKeysCreatedTaggedForTheStack",
            ["kms:CreateKey", "kms:TagResource"],
            ["*"],
            StringEquals=scope.tagging_for_the_stack(),
        ),
        _allow(
            "LogKeysTaggedForTheStack",
            [
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:PutKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:EnableKeyRotation",
                "kms:ListResourceTags",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
                "kms:ScheduleKeyDeletion",
                # The alias calls also authorise the key (UpdateAlias: the old and the new
                # key; AWS KMS Developer Guide, "Controlling access to aliases").
                "kms:CreateAlias",
                "kms:DeleteAlias",
                "kms:UpdateAlias",
            ],
            [scope.arn("kms", "key/*")],
            **scope.tagged_for_the_stack(),
        ),
        # Aliases take no tag conditions either: their name carries the stack.
        _allow(
            "LogKeyAliasesNamedForTheStack",
            ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            [scope.arn("kms", f"alias/{own}*")],
        ),
        _allow(
            "WebAclsNamedWithThePrefix",
            ["wafv2:*"],
            [
                scope.arn("wafv2", f"regional/webacl/{p}*/*"),
                # CreateWebACL and UpdateWebACL also authorise the managed rule groups used;
                # AssociateWebACL and GetWebACLForResource the load balancer (tagged: see
                # isolation_policy).
                scope.arn("wafv2", "regional/managedruleset/*/*"),
                scope.arn("elasticloadbalancing", f"loadbalancer/app/{p}*/*"),
            ],
        ),
        # elasticloadbalancing:SetWebAcl is a permission-only action checked on behalf of
        # AssociateWebACL (which names the load balancer itself); it and the list calls
        # accept no resource ARN.
        _allow(
            "KmsAndWafCallsAcceptNoResource",
            [
                "kms:ListAliases",
                "wafv2:ListWebACLs",
                "elasticloadbalancing:SetWebAcl",
            ],
            ["*"],
            StringEquals={"aws:RequestedRegion": scope.region},
        ),
    )


#: What attaching does to the runtime's own (tagged) resources: rules on its listeners, rules on
#: its load balancer's security group. The isolation policy lets exactly these through on
#: resources tagged for the stack's runtime, and `attach_policy` allows them there only.
RUNTIME_ATTACH_ACTIONS: Final = (
    "elasticloadbalancing:CreateRule",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
)


def attach_policy(scope: Scope) -> Document:
    """A stack on a shared runtime (`runtimeStack`): its service in the runtime's cluster, its
    listener rules on the runtime's listeners, its rules on the runtime ALB's security group.

    Nothing here reaches the runtime's own cluster, load balancer, listeners or group: the
    service ARN names the stack's prefix, CreateRule adds a rule (tagged for this stack) to a
    listener tagged for the runtime, and changing or deleting a rule needs this stack's tags
    on the rule (ELB evaluates `aws:ResourceTag` on listener rules for ModifyRule, DeleteRule,
    AddTags and RemoveTags, and on the listener for CreateRule, with `aws:RequestTag` for the
    new rule's tags: Service Authorization Reference, Elastic Load Balancing V2).
    `SetRulePriorities` takes no tag condition, so it is not granted on runtime listeners.
    EC2's rule revocations authorise only the group (no security-group-rule resource), so
    they cannot be limited to the stack's own rules: see docs/platform.md, Attached stacks.
    """
    runtime = scope.runtime
    if runtime is None:
        raise ValueError("attach_policy needs a scope with a runtime")
    p = scope.name_prefix
    cluster = f"{runtime.name_prefix}cluster-*"
    alb = f"{runtime.name_prefix}alb-*"
    tagged_for_the_runtime = _resource_tags(runtime.tags)
    rules = scope.arn("elasticloadbalancing", f"listener-rule/app/{alb}/*/*/*")
    return _document(
        _allow(
            "TheStacksServicesInTheRuntimesCluster",
            ["ecs:*"],
            [
                scope.arn("ecs", f"service/{cluster}/{p}*"),
                scope.arn("ecs", f"service-deployment/{cluster}/{p}*/*"),
            ],
        ),
        _allow(
            "TargetTrackingAlarmsOfTheStacksServices",
            list(ALARM_ACTIONS),
            [_target_tracking_alarms(scope, cluster=cluster)],
        ),
        _allow(
            "NewRulesOnTheRuntimesListenersTaggedForTheStack",
            ["elasticloadbalancing:CreateRule"],
            [scope.arn("elasticloadbalancing", f"listener/app/{alb}/*/*")],
            StringEquals=tagged_for_the_runtime | scope.tagging_for_the_stack(),
        ),
        _allow(
            "TagTheNewRule",
            ["elasticloadbalancing:AddTags"],
            [rules],
            StringEquals={"elasticloadbalancing:CreateAction": "CreateRule"}
            | scope.tagging_for_the_stack(),
        ),
        _allow(
            "OnlyTheStacksRulesOnTheRuntimesListeners",
            [
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
            ],
            [rules],
            **scope.tagged_for_the_stack(),
        ),
        # The new rule itself is authorised by NewRulesTaggedForTheStack (network policy).
        _allow(
            "RulesOnTheRuntimesLoadBalancerGroup",
            [a for a in RUNTIME_ATTACH_ACTIONS if a.startswith("ec2:")],
            [scope.arn("ec2", "security-group/*")],
            StringEquals=tagged_for_the_runtime,
        ),
    )


#: Untag calls by service: removing the stack's tags would take a resource out of isolation.
UNTAG_ACTIONS: Final = (
    "ec2:DeleteTags",
    "ecs:UntagResource",
    "ecr:UntagResource",
    "elasticloadbalancing:RemoveTags",
    "codedeploy:UntagResource",
    "lambda:UntagResource",
    "logs:UntagResource",
    "logs:UntagLogGroup",
    "cloudwatch:UntagResource",
    "iam:UntagRole",
    "kms:UntagResource",
    "wafv2:UntagResource",
    "application-autoscaling:UntagResource",
)


def isolation_policy(scope: Scope) -> Document:
    """Denies that hold whatever the allows say: nothing on another stack's or project's
    tagged resources, no tags naming them, and the stack's own tags stay on.

    Condition semantics: `Null false` makes each deny apply only where the tag is present, so
    untagged resources (AWS managed policies, the platform's image repository) fall back to the
    name scoping of the allows.
    """
    statements = []
    runtime = scope.runtime
    for key, value in scope.stack_tags.items():
        label = "Stack" if key == STACK_TAG else "Project"
        on_another = _deny(
            f"NothingOnAnother{label}sResources",
            ["*"],
            ["*"],
            StringNotEquals={f"aws:ResourceTag/{key}": value},
            Null={f"aws:ResourceTag/{key}": "false"},
        )
        if runtime is not None:
            # An attached stack adds rules to its runtime's listeners and group: those calls
            # may also act on resources tagged for the runtime, and on nothing else's.
            on_another = _excluding(on_another, RUNTIME_ATTACH_ACTIONS)
            statements.append(
                _deny(
                    f"AttachingTouchesNoOther{label}sResources",
                    list(RUNTIME_ATTACH_ACTIONS),
                    ["*"],
                    StringNotEquals={f"aws:ResourceTag/{key}": [value, runtime.tags[key]]},
                    Null={f"aws:ResourceTag/{key}": "false"},
                )
            )
        statements += [
            on_another,
            _deny(
                f"NothingTaggedForAnother{label}",
                ["*"],
                ["*"],
                StringNotEquals={f"aws:RequestTag/{key}": value},
                Null={f"aws:RequestTag/{key}": "false"},
            ),
        ]
    statements.append(
        _deny(
            "TheStackTagsStayOn",
            list(UNTAG_ACTIONS),
            ["*"],
            **{"ForAnyValue:StringEquals": {"aws:TagKeys": list(scope.stack_tags)}},
        )
    )
    return _document(*statements)


def boundary_policy(scope: Scope) -> Document:
    """The permissions boundary of every role the stack creates: at most what the component's
    roles do at run time, passing only the stack's own roles to ECS tasks, and never an IAM
    write or a change to the audit trail, whatever the role's own policies say."""
    roles = scope.arn("iam", f"role/{scope.name_prefix}*", regional=False)
    return _document(
        _allow("WhatTheComponentsRolesDo", list(RUNTIME_ACTIONS), ["*"]),
        # The CodeDeploy role hands the task roles to ECS when it starts a task set.
        _allow(
            "PassTheStacksRolesToEcsTasks",
            ["iam:PassRole"],
            [roles],
            StringEquals={"iam:PassedToService": "ecs-tasks.amazonaws.com"},
        ),
        _deny("NoIamWrites", list(IAM_WRITE_ACTIONS), ["*"]),
        _deny(
            "AuditTrailStaysOn",
            [
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "cloudtrail:UpdateTrail",
                "cloudtrail:PutEventSelectors",
                "ec2:DeleteFlowLogs",
                "logs:DeleteLogGroup",
                "logs:DeleteRetentionPolicy",
                "logs:DisassociateKmsKey",
                "kms:DisableKey",
                "kms:ScheduleKeyDeletion",
                "kms:PutKeyPolicy",
                "s3:DeleteBucketPolicy",
                "s3:PutBucketPolicy",
                "s3:PutLifecycleConfiguration",
            ],
            ["*"],
        ),
        _deny("NoAccountOrOrganizationChanges", ["organizations:*", "account:*"], ["*"]),
    )


def policy_names(scope: Scope) -> tuple[str, ...]:
    """Short names of the policies `deploy_policies(scope)` returns: `POLICY_NAMES`, plus
    `attach` for a stack on a shared runtime."""
    return POLICY_NAMES + (("attach",) if scope.runtime else ())


def deploy_policies(scope: Scope) -> dict[str, Document]:
    """Every policy the deploy role of one application stack gets, by short name."""
    builders = (
        compute_policy,
        network_policy,
        release_policy,
        iam_policy,
        read_policy,
        audit_policy,
        isolation_policy,
    ) + ((attach_policy,) if scope.runtime else ())
    return {name: build(scope) for name, build in zip(policy_names(scope), builders, strict=True)}


#: The runtime stack's role: what components/runtime.py creates (VPC, cluster, ALB, listeners,
#: security group and its rules) and nothing of the application's (no IAM roles, CodeDeploy,
#: Lambda, buckets or keys).
RUNTIME_POLICY_NAMES: Final = ("compute", "network", "read", "isolation", "service-linked")


def service_linked_policy(scope: Scope) -> Document:
    """The service-linked roles ECS and ELB create on their first use in the account."""
    return _document(_service_linked_roles(scope))


def runtime_policies(scope: Scope) -> dict[str, Document]:
    """Every policy the deploy role of one runtime stack gets (`scope.name_prefix` is the
    runtime's `<runtimeName>-`, its tags the runtime project's and stack's)."""
    builders = (
        compute_policy,
        network_policy,
        read_policy,
        isolation_policy,
        service_linked_policy,
    )
    return {name: build(scope) for name, build in zip(RUNTIME_POLICY_NAMES, builders, strict=True)}


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
