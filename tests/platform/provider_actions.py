"""What the providers call in AWS to create, update and delete each resource type our stacks
declare: IAM actions, per Pulumi type token.

pulumi-aws bridges terraform-provider-aws: each set names the provider source whose Create,
Read, Update and Delete functions make the calls (`internal/service/<service>/<file>.go`), and
the IAM action of each call (Service Authorization Reference; an API's action is its name, but
for the few that differ). A resource's Read runs after every create and update (and at refresh),
so its calls belong to `create`. `on` names the resource types an action is evaluated on where
AWS's reference lists more than the call touches (EC2's CreateTags lists every EC2 type).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ContextValue = str | list[str]


@dataclass(frozen=True)
class Call:
    action: str
    on: tuple[str, ...] = ()
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    """Condition keys the call carries beyond the stack's tags (passed-to service, ...)."""
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Names that differ from the graph's for this call (the alarms target tracking makes)."""


@dataclass(frozen=True)
class ProviderActions:
    source: str
    create: tuple[Call, ...]
    update: tuple[Call, ...] = ()
    delete: tuple[Call, ...] = ()

    def calls(self) -> tuple[tuple[str, Call], ...]:
        return tuple(
            (step, call)
            for step, calls in (("create", self.create), ("update", self.update),
                                ("delete", self.delete))
            for call in calls
        )  # fmt: skip


def _calls(*actions: str, on: tuple[str, ...] = (), **context: ContextValue) -> tuple[Call, ...]:
    return tuple(
        Call(a, on, {k.replace("__", ":"): v for k, v in context.items()}) for a in actions
    )


def _pass(service: str) -> Call:
    return Call("iam:PassRole", context={"iam:PassedToService": service})


def _linked(service: str) -> Call:
    role = f"aws-service-role/{service}/AWSServiceRole"
    return Call(
        "iam:CreateServiceLinkedRole",
        context={"iam:AWSServiceName": service},
        names={"RoleNameWithPath": (role,)},
    )


def _ec2_tags(create_action: str, on: str) -> Call:
    """EC2 tags a resource in its create call (TagSpecifications): CreateTags is authorised
    with `ec2:CreateAction` naming that call."""
    return Call("ec2:CreateTags", (on,), {"ec2:CreateAction": create_action})


TFP = "terraform-provider-aws internal/service"
#: A dynamic resource's calls are our own code's: tests/platform/test_call_permissions.py
#: records and evaluates them.
RECORDED = "recorded"
#: Resources of other APIs (the Pulumi Cloud) or of the engine: no AWS call.
NOT_AWS = "no AWS call"

PROVIDER_ACTIONS: dict[str, ProviderActions | str] = {
    "aws:appautoscaling/target:Target": ProviderActions(
        f"{TFP}/appautoscaling/target.go",
        create=(
            *_calls(
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:ListTagsForResource",
                "application-autoscaling:TagResource",
            ),
            # Application Auto Scaling's service-linked role for ECS, on first use.
            _linked("ecs.application-autoscaling.amazonaws.com"),
        ),
        update=_calls(
            "application-autoscaling:RegisterScalableTarget",
            "application-autoscaling:UntagResource",
        ),
        delete=_calls("application-autoscaling:DeregisterScalableTarget"),
    ),
    "aws:appautoscaling/policy:Policy": ProviderActions(
        f"{TFP}/appautoscaling/policy.go; target tracking creates and deletes its alarms with "
        "the caller's CloudWatch permissions (Application Auto Scaling User Guide)",
        create=(
            *_calls(
                "application-autoscaling:PutScalingPolicy",
                "application-autoscaling:DescribeScalingPolicies",
            ),
            *(
                Call(
                    a,
                    names={
                        "AlarmName": (
                            "TargetTracking-service/web-cluster-1a2b3c4/"
                            "web-service-1a2b3c4-AlarmHigh-4c1e0b2a",
                        )
                    },
                )
                for a in ("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms")
            ),
        ),
        update=_calls("application-autoscaling:PutScalingPolicy"),
        delete=(
            *_calls("application-autoscaling:DeleteScalingPolicy"),
            Call(
                "cloudwatch:DeleteAlarms",
                names={
                    "AlarmName": (
                        "TargetTracking-service/web-cluster-1a2b3c4/web-service-1a2b3c4-AlarmLow-9d8e",
                    )
                },
            ),
        ),
    ),
    "aws:cloudwatch/logGroup:LogGroup": ProviderActions(
        f"{TFP}/logs/group.go",
        create=_calls(
            "logs:CreateLogGroup",
            "logs:PutRetentionPolicy",
            "logs:DescribeLogGroups",
            "logs:ListTagsForResource",
            "logs:TagResource",
            "logs:AssociateKmsKey",
        ),
        update=_calls(
            "logs:PutRetentionPolicy",
            "logs:AssociateKmsKey",
            "logs:DisassociateKmsKey",
            "logs:UntagResource",
        ),
        delete=_calls("logs:DeleteLogGroup"),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ProviderActions(
        f"{TFP}/cloudwatch/metric_alarm.go",
        create=_calls(
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:ListTagsForResource",
            "cloudwatch:TagResource",
        ),
        update=_calls("cloudwatch:PutMetricAlarm", "cloudwatch:UntagResource"),
        delete=_calls("cloudwatch:DeleteAlarms"),
    ),
    "aws:codedeploy/application:Application": ProviderActions(
        f"{TFP}/deploy/app.go",
        create=_calls(
            "codedeploy:CreateApplication",
            "codedeploy:GetApplication",
            "codedeploy:ListTagsForResource",
        ),
        update=_calls(
            "codedeploy:UpdateApplication", "codedeploy:TagResource", "codedeploy:UntagResource"
        ),
        delete=_calls("codedeploy:DeleteApplication"),
    ),
    "aws:codedeploy/deploymentConfig:DeploymentConfig": ProviderActions(
        f"{TFP}/deploy/deployment_config.go (ForceNew: no update)",
        create=_calls("codedeploy:CreateDeploymentConfig", "codedeploy:GetDeploymentConfig"),
        delete=_calls("codedeploy:DeleteDeploymentConfig"),
    ),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": ProviderActions(
        f"{TFP}/deploy/deployment_group.go",
        create=(
            *_calls(
                "codedeploy:CreateDeploymentGroup",
                "codedeploy:GetDeploymentGroup",
                "codedeploy:ListTagsForResource",
            ),
            _pass("codedeploy.amazonaws.com"),
        ),
        update=(
            *_calls(
                "codedeploy:UpdateDeploymentGroup",
                "codedeploy:TagResource",
                "codedeploy:UntagResource",
            ),
            _pass("codedeploy.amazonaws.com"),
        ),
        delete=_calls("codedeploy:DeleteDeploymentGroup"),
    ),
    "aws:ec2/flowLog:FlowLog": ProviderActions(
        f"{TFP}/ec2/vpc_flow_log.go",
        create=(
            Call("ec2:CreateFlowLogs", ("vpc-flow-log", "vpc")),
            _ec2_tags("CreateFlowLogs", "vpc-flow-log"),
            *_calls("ec2:DescribeFlowLogs"),
            _pass("vpc-flow-logs.amazonaws.com"),
        ),
        update=(Call("ec2:CreateTags", ("vpc-flow-log",)),),
        delete=_calls("ec2:DeleteFlowLogs"),
    ),
    "aws:ec2/securityGroup:SecurityGroup": ProviderActions(
        f"{TFP}/ec2/vpc_security_group.go (revokes the default egress rule after create; on "
        "delete removes the interfaces Lambda left, deleteLambdaENIs)",
        create=(
            Call("ec2:CreateSecurityGroup", ("security-group", "vpc")),
            _ec2_tags("CreateSecurityGroup", "security-group"),
            *_calls(
                "ec2:DescribeSecurityGroups",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupEgress",
            ),
        ),
        update=(Call("ec2:CreateTags", ("security-group",)),),
        delete=(
            *_calls("ec2:DescribeNetworkInterfaces"),
            Call("ec2:DetachNetworkInterface", ("network-interface",)),
            *_calls("ec2:DeleteNetworkInterface", "ec2:DeleteSecurityGroup"),
        ),
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ProviderActions(
        f"{TFP}/ec2/vpc_security_group_ingress_rule.go",
        create=(
            Call("ec2:AuthorizeSecurityGroupIngress", ("security-group",)),
            Call("ec2:AuthorizeSecurityGroupIngress", ("security-group-rule",)),
            _ec2_tags("AuthorizeSecurityGroupIngress", "security-group-rule"),
            *_calls("ec2:DescribeSecurityGroupRules"),
        ),
        update=_calls("ec2:ModifySecurityGroupRules"),
        delete=_calls("ec2:RevokeSecurityGroupIngress"),
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ProviderActions(
        f"{TFP}/ec2/vpc_security_group_egress_rule.go",
        create=(
            Call("ec2:AuthorizeSecurityGroupEgress", ("security-group",)),
            Call("ec2:AuthorizeSecurityGroupEgress", ("security-group-rule",)),
            _ec2_tags("AuthorizeSecurityGroupEgress", "security-group-rule"),
            *_calls("ec2:DescribeSecurityGroupRules"),
        ),
        update=_calls("ec2:ModifySecurityGroupRules"),
        delete=_calls("ec2:RevokeSecurityGroupEgress"),
    ),
    "awsx:ec2:Vpc": ProviderActions(
        "pulumi-awsx awsx/ec2/vpc.ts (its children: aws.ec2 Vpc, Subnet, RouteTable, Route, "
        "RouteTableAssociation, InternetGateway, Eip, NatGateway), each in "
        f"{TFP}/ec2/vpc_*.go",
        create=(
            Call("ec2:CreateVpc", ("vpc",)),
            _ec2_tags("CreateVpc", "vpc"),
            Call("ec2:ModifyVpcAttribute", ("vpc",)),
            Call("ec2:CreateSubnet", ("subnet", "vpc")),
            _ec2_tags("CreateSubnet", "subnet"),
            Call("ec2:ModifySubnetAttribute", ("subnet",)),
            Call("ec2:CreateRouteTable", ("route-table", "vpc")),
            _ec2_tags("CreateRouteTable", "route-table"),
            Call("ec2:CreateRoute", ("route-table",)),
            Call("ec2:AssociateRouteTable", ("route-table", "subnet")),
            Call("ec2:CreateInternetGateway", ("internet-gateway",)),
            _ec2_tags("CreateInternetGateway", "internet-gateway"),
            Call("ec2:AttachInternetGateway", ("internet-gateway", "vpc")),
            Call("ec2:AllocateAddress", ("elastic-ip",)),
            _ec2_tags("AllocateAddress", "elastic-ip"),
            Call("ec2:CreateNatGateway", ("natgateway", "subnet", "elastic-ip")),
            _ec2_tags("CreateNatGateway", "natgateway"),
            *_calls(
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
                "ec2:DescribeRouteTables",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeAddresses",
                "ec2:DescribeNatGateways",
                "ec2:DescribeAvailabilityZones",
            ),
        ),
        update=(Call("ec2:CreateTags", ("vpc", "subnet", "route-table")),),
        delete=(
            Call("ec2:DeleteNatGateway", ("natgateway",)),
            Call("ec2:ReleaseAddress", ("elastic-ip",)),
            Call("ec2:DisassociateRouteTable", ("route-table", "subnet")),
            Call("ec2:DeleteRoute", ("route-table",)),
            Call("ec2:DeleteRouteTable", ("route-table",)),
            Call("ec2:DetachInternetGateway", ("internet-gateway", "vpc")),
            Call("ec2:DeleteInternetGateway", ("internet-gateway",)),
            Call("ec2:DeleteSubnet", ("subnet",)),
            Call("ec2:DeleteVpc", ("vpc",)),
        ),
    ),
    "aws:ecr/repository:Repository": ProviderActions(
        f"{TFP}/ecr/repository.go",
        create=_calls(
            "ecr:CreateRepository",
            "ecr:DescribeRepositories",
            "ecr:ListTagsForResource",
            "ecr:TagResource",
        ),
        update=_calls(
            "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:UntagResource"
        ),
        delete=_calls("ecr:DeleteRepository"),
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ProviderActions(
        f"{TFP}/ecr/lifecycle_policy.go",
        create=_calls("ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy"),
        update=_calls("ecr:PutLifecyclePolicy"),
        delete=_calls("ecr:DeleteLifecyclePolicy"),
    ),
    "aws:ecs/cluster:Cluster": ProviderActions(
        f"{TFP}/ecs/cluster.go",
        create=(
            *_calls("ecs:CreateCluster", "ecs:DescribeClusters"),
            *_calls("ecs:TagResource", on=("cluster",)),
            _linked("ecs.amazonaws.com"),
        ),
        update=(*_calls("ecs:UpdateCluster"), *_calls("ecs:UntagResource", on=("cluster",))),
        delete=_calls("ecs:DeleteCluster"),
    ),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ProviderActions(
        f"{TFP}/ecs/cluster_capacity_providers.go (delete puts empty lists back)",
        create=_calls("ecs:PutClusterCapacityProviders", "ecs:DescribeClusters"),
        update=_calls("ecs:PutClusterCapacityProviders"),
        delete=_calls("ecs:PutClusterCapacityProviders"),
    ),
    "aws:ecs/service:Service": ProviderActions(
        f"{TFP}/ecs/service.go (wait_for_steady_state reads the service deployment; "
        "sigint_rollback stops it)",
        create=(
            *_calls("ecs:CreateService", "ecs:DescribeServices", "ecs:ListServiceDeployments"),
            *_calls("ecs:ListTagsForResource", "ecs:TagResource", on=("service",)),
            Call("ecs:DescribeServiceDeployments", ("service", "service-deployment")),
            # The ECS controller's load-balancer and hook roles.
            _pass("ecs.amazonaws.com"),
        ),
        update=(
            *_calls("ecs:UpdateService"),
            *_calls("ecs:UntagResource", on=("service",)),
            Call("ecs:StopServiceDeployment", ("service", "service-deployment")),
            _pass("ecs.amazonaws.com"),
        ),
        delete=_calls("ecs:UpdateService", "ecs:DeleteService"),
    ),
    "aws:ecs/taskDefinition:TaskDefinition": ProviderActions(
        f"{TFP}/ecs/task_definition.go (skip_destroy: revisions are kept)",
        create=(
            *_calls("ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"),
            *_calls("ecs:ListTagsForResource", "ecs:TagResource", on=("task-definition",)),
            _pass("ecs-tasks.amazonaws.com"),
        ),
        update=_calls("ecs:TagResource", "ecs:UntagResource", on=("task-definition",)),
    ),
    "aws:iam/role:Role": ProviderActions(
        f"{TFP}/iam/role.go",
        create=_calls(
            "iam:CreateRole",
            "iam:GetRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:TagRole",
        ),
        update=_calls(
            "iam:UpdateRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:UntagRole",
        ),
        delete=_calls("iam:ListInstanceProfilesForRole", "iam:DeleteRole"),
    ),
    "aws:iam/rolePolicy:RolePolicy": ProviderActions(
        f"{TFP}/iam/role_policy.go",
        create=_calls("iam:PutRolePolicy", "iam:GetRolePolicy"),
        update=_calls("iam:PutRolePolicy"),
        delete=_calls("iam:DeleteRolePolicy"),
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ProviderActions(
        f"{TFP}/iam/role_policy_attachment.go (iam:PolicyARN: each policy a graph attaches)",
        create=_calls("iam:AttachRolePolicy", "iam:ListAttachedRolePolicies"),
        delete=_calls("iam:DetachRolePolicy"),
    ),
    "aws:kms/key:Key": ProviderActions(
        f"{TFP}/kms/key.go (retain_on_delete: the provider never schedules its deletion)",
        create=(
            Call("kms:CreateKey", context={"kms:KeySpec": "SYMMETRIC_DEFAULT"}),
            *_calls(
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:EnableKeyRotation",
                "kms:ListResourceTags",
            ),
        ),
        update=_calls(
            "kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource"
        ),
    ),
    "aws:kms/alias:Alias": ProviderActions(
        f"{TFP}/kms/alias.go (both the alias and the key authorise each call)",
        create=(*_calls("kms:CreateAlias", on=("alias", "key")), *_calls("kms:ListAliases")),
        update=_calls("kms:UpdateAlias", on=("alias", "key")),
        delete=_calls("kms:DeleteAlias", on=("alias", "key")),
    ),
    "aws:lambda/function:Function": ProviderActions(
        f"{TFP}/lambda/function.go",
        create=(
            *_calls(
                "lambda:CreateFunction",
                "lambda:GetFunction",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:ListVersionsByFunction",
                "lambda:ListTags",
                "lambda:TagResource",
            ),
            _pass("lambda.amazonaws.com"),
        ),
        update=(
            *_calls(
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:UntagResource",
            ),
            _pass("lambda.amazonaws.com"),
        ),
        delete=_calls("lambda:DeleteFunction"),
    ),
    "aws:lb/loadBalancer:LoadBalancer": ProviderActions(
        f"{TFP}/elbv2/load_balancer.go",
        create=(
            *_calls(
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:DescribeTags",
            ),
            _linked("elasticloadbalancing.amazonaws.com"),
        ),
        update=(
            *_calls("elasticloadbalancing:ModifyLoadBalancerAttributes"),
            *_calls(
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                on=("loadbalancer/app/",),
            ),
        ),
        delete=_calls("elasticloadbalancing:DeleteLoadBalancer"),
    ),
    "aws:lb/listener:Listener": ProviderActions(
        f"{TFP}/elbv2/listener.go",
        create=(
            *_calls("elasticloadbalancing:CreateListener", on=("loadbalancer/app/",)),
            *_calls("elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeTags"),
        ),
        update=_calls("elasticloadbalancing:ModifyListener", on=("listener/app",)),
        delete=_calls("elasticloadbalancing:DeleteListener", on=("listener/app",)),
    ),
    "aws:lb/listenerRule:ListenerRule": ProviderActions(
        f"{TFP}/elbv2/listener_rule.go",
        create=(
            *_calls("elasticloadbalancing:CreateRule", on=("listener/app",)),
            *_calls("elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags"),
        ),
        update=_calls("elasticloadbalancing:ModifyRule", on=("listener-rule/app",)),
        delete=_calls("elasticloadbalancing:DeleteRule", on=("listener-rule/app",)),
    ),
    "aws:lb/targetGroup:TargetGroup": ProviderActions(
        f"{TFP}/elbv2/target_group.go",
        create=_calls(
            "elasticloadbalancing:CreateTargetGroup",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:ModifyTargetGroupAttributes",
            "elasticloadbalancing:DescribeTags",
        ),
        update=_calls(
            "elasticloadbalancing:ModifyTargetGroup",
            "elasticloadbalancing:ModifyTargetGroupAttributes",
        ),
        delete=_calls("elasticloadbalancing:DeleteTargetGroup"),
    ),
    "aws:s3/bucket:Bucket": ProviderActions(
        f"{TFP}/s3/bucket.go (Read fetches every bucket sub-configuration)",
        create=_calls(
            "s3:CreateBucket",
            "s3:ListBucket",
            "s3:GetBucketAcl",
            "s3:GetBucketCORS",
            "s3:GetBucketWebsite",
            "s3:GetBucketVersioning",
            "s3:GetAccelerateConfiguration",
            "s3:GetBucketRequestPayment",
            "s3:GetBucketLogging",
            "s3:GetLifecycleConfiguration",
            "s3:GetReplicationConfiguration",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketObjectLockConfiguration",
            "s3:GetBucketPolicy",
            "s3:GetBucketTagging",
            "s3:PutBucketTagging",
            on=("bucket",),
        ),
        delete=_calls("s3:DeleteBucket", on=("bucket",)),
    ),
    "aws:s3/bucketPolicy:BucketPolicy": ProviderActions(
        f"{TFP}/s3/bucket_policy.go",
        create=_calls("s3:PutBucketPolicy", "s3:GetBucketPolicy", on=("bucket",)),
        delete=_calls("s3:DeleteBucketPolicy", on=("bucket",)),
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ProviderActions(
        f"{TFP}/s3/bucket_public_access_block.go",
        create=_calls(
            "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock", on=("bucket",)
        ),
        delete=_calls("s3:PutBucketPublicAccessBlock", on=("bucket",)),
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ProviderActions(
        f"{TFP}/s3/bucket_ownership_controls.go",
        create=_calls(
            "s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls", on=("bucket",)
        ),
        delete=_calls("s3:PutBucketOwnershipControls", on=("bucket",)),
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        ProviderActions(
            f"{TFP}/s3/bucket_server_side_encryption_configuration.go",
            create=_calls(
                "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration", on=("bucket",)
            ),
            delete=_calls("s3:PutEncryptionConfiguration", on=("bucket",)),
        )
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ProviderActions(
        f"{TFP}/s3/bucket_lifecycle_configuration.go",
        create=_calls(
            "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration", on=("bucket",)
        ),
        delete=_calls("s3:PutLifecycleConfiguration", on=("bucket",)),
    ),
    "aws:s3/bucketVersioning:BucketVersioning": ProviderActions(
        f"{TFP}/s3/bucket_versioning.go (delete suspends versioning)",
        create=_calls("s3:PutBucketVersioning", "s3:GetBucketVersioning", on=("bucket",)),
        delete=_calls("s3:PutBucketVersioning", on=("bucket",)),
    ),
    "aws:sns/topic:Topic": ProviderActions(
        f"{TFP}/sns/topic.go",
        create=_calls(
            "sns:CreateTopic",
            "sns:GetTopicAttributes",
            "sns:SetTopicAttributes",
            "sns:ListTagsForResource",
            "sns:TagResource",
        ),
        update=_calls("sns:SetTopicAttributes", "sns:UntagResource"),
        delete=_calls("sns:DeleteTopic"),
    ),
    "aws:wafv2/webAcl:WebAcl": ProviderActions(
        f"{TFP}/wafv2/web_acl.go (Create and Update also authorise the managed rule groups)",
        create=(
            *_calls(
                "wafv2:CreateWebACL",
                "wafv2:GetWebACL",
                "wafv2:ListTagsForResource",
                "wafv2:TagResource",
                on=("webacl",),
            ),
            *_calls("wafv2:CreateWebACL", on=("managedruleset",)),
        ),
        update=_calls("wafv2:UpdateWebACL", on=("webacl",)),
        delete=_calls("wafv2:DeleteWebACL", on=("webacl",)),
    ),
    "aws:wafv2/webAclAssociation:WebAclAssociation": ProviderActions(
        f"{TFP}/wafv2/web_acl_association.go (SetWebAcl: ELB's side of AssociateWebACL)",
        create=(
            *_calls("wafv2:AssociateWebACL", "wafv2:GetWebACLForResource", on=("webacl",)),
            *_calls(
                "wafv2:AssociateWebACL", "wafv2:GetWebACLForResource", on=("loadbalancer/app/",)
            ),
            *_calls("elasticloadbalancing:SetWebAcl"),
        ),
        delete=_calls("wafv2:DisassociateWebACL", on=("loadbalancer/app/",)),
    ),
    "docker-build:index:Image": ProviderActions(
        "pulumi-docker-build pushes with the registry protocol; ECR's IAM actions for a push "
        "(Amazon ECR User Guide, Pushing an image: required IAM permissions)",
        create=_calls(
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecr:BatchGetImage",
        ),
    ),
    "pulumi-python:dynamic:Resource": RECORDED,
    "pulumi:providers:aws": NOT_AWS,
    "pulumiservice:index:DeploymentSettings": NOT_AWS,
    "pulumiservice:index:PolicyGroup": NOT_AWS,
    # The org program's own AWS resources: it runs as the organisation's administrator, not
    # as a deploy role; the sets say what that identity needs.
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ProviderActions(
        f"{TFP}/iam/openid_connect_provider.go",
        create=_calls(
            "iam:CreateOpenIDConnectProvider",
            "iam:GetOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
        ),
        update=_calls(
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
        ),
        delete=_calls("iam:DeleteOpenIDConnectProvider"),
    ),
    "aws:iam/policy:Policy": ProviderActions(
        f"{TFP}/iam/policy.go",
        create=_calls("iam:CreatePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:TagPolicy"),
        update=_calls(
            "iam:CreatePolicyVersion", "iam:ListPolicyVersions", "iam:DeletePolicyVersion"
        ),
        delete=_calls("iam:ListPolicyVersions", "iam:DeletePolicy"),
    ),
}
