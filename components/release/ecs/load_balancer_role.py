"""The role ECS assumes to rewrite a service's listener rules and register its targets.

The rules themselves are in `components/listener_rules.py`, with everything else about routing.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.iam import service_trust_policy

#: AWS managed policy for the ECS infrastructure role that rewrites listener rules (ARN from
#: the AWS Managed Policy reference; no `service-role/` path).
LOAD_BALANCER_ROLE_POLICY = (
    "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
)


def create_load_balancer_role(
    name: str,
    tags: dict[str, str],
    parent: pulumi.Resource,
    permissions_boundary: str | None = None,
) -> tuple[aws.iam.Role, aws.iam.RolePolicyAttachment]:
    """The role ECS assumes to rewrite the listener rules and register targets."""
    role = aws.iam.Role(
        f"{name}-ecs-lb-role",
        assume_role_policy=service_trust_policy("ecs.amazonaws.com"),
        description="ECS blue/green: shifts traffic between the target groups",
        permissions_boundary=permissions_boundary,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    attachment = aws.iam.RolePolicyAttachment(
        f"{name}-ecs-lb-policy",
        role=role.name,
        policy_arn=LOAD_BALANCER_ROLE_POLICY,
        opts=pulumi.ResourceOptions(parent=role),
    )
    return role, attachment
