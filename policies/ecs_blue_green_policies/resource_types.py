"""Engine type tokens per AWS concept, for both providers (pulumi-aws and aws-native).

pulumi-aws registers load balancer resources under two modules (`aws:lb/...` and the older
`aws:alb/...` alias); both reach policies, so both are listed.
"""

from typing import Final

ECS_SERVICE_AWS: Final = "aws:ecs/service:Service"
ECS_SERVICE_NATIVE: Final = "aws-native:ecs:Service"
ECS_SERVICE: Final = frozenset({ECS_SERVICE_AWS, ECS_SERVICE_NATIVE})

TASK_DEFINITION: Final = frozenset(
    {"aws:ecs/taskDefinition:TaskDefinition", "aws-native:ecs:TaskDefinition"}
)

TARGET_GROUP_NATIVE: Final = "aws-native:elasticloadbalancingv2:TargetGroup"
TARGET_GROUP: Final = frozenset(
    {"aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup", TARGET_GROUP_NATIVE}
)

LOAD_BALANCER_NATIVE: Final = "aws-native:elasticloadbalancingv2:LoadBalancer"
LOAD_BALANCER: Final = frozenset(
    {"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer", LOAD_BALANCER_NATIVE}
)

LISTENER: Final = frozenset(
    {
        "aws:lb/listener:Listener",
        "aws:alb/listener:Listener",
        "aws-native:elasticloadbalancingv2:Listener",
    }
)

DEPLOYMENT_GROUP_AWS: Final = "aws:codedeploy/deploymentGroup:DeploymentGroup"
DEPLOYMENT_GROUP_NATIVE: Final = "aws-native:codedeploy:DeploymentGroup"
DEPLOYMENT_GROUP: Final = frozenset({DEPLOYMENT_GROUP_AWS, DEPLOYMENT_GROUP_NATIVE})

ECR_REPOSITORY: Final = frozenset({"aws:ecr/repository:Repository", "aws-native:ecr:Repository"})

SECURITY_GROUP_AWS: Final = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_NATIVE: Final = "aws-native:ec2:SecurityGroup"
SECURITY_GROUP: Final = frozenset({SECURITY_GROUP_AWS, SECURITY_GROUP_NATIVE})

SECURITY_GROUP_RULE_AWS: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE_AWS: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP_INGRESS_NATIVE: Final = "aws-native:ec2:SecurityGroupIngress"
SECURITY_GROUP_INGRESS: Final = frozenset(
    {SECURITY_GROUP_RULE_AWS, SECURITY_GROUP_INGRESS_RULE_AWS, SECURITY_GROUP_INGRESS_NATIVE}
)

LISTENER_RULE: Final = frozenset(
    {
        "aws:lb/listenerRule:ListenerRule",
        "aws:alb/listenerRule:ListenerRule",
        "aws-native:elasticloadbalancingv2:ListenerRule",
    }
)
