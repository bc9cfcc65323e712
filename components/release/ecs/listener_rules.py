"""The production and test listener rules ECS shifts traffic through, and the role it uses.

ECS-native blue/green moves traffic by rewriting listener *rules* into weighted forwards
between the two target groups, never the listeners' default actions. With a test listener, ECS
needs one target group attached to the production rule and the other to the test rule
(ECS developer guide, "Application Load Balancer resources for blue/green, linear, and canary
deployments"); here both rules name both groups with weights, which satisfies either reading:
production starts 100 % blue, test 100 % green.

After a release ECS owns the rules' `actions` (the weights move to green and back on every
deployment), so the rules ignore exactly `actions` and nothing else: conditions, priority and
tags keep drift detection. The same ignore is the documented fix in terraform-aws-modules
(terraform-aws-alb#409) and the provider discussion terraform-provider-aws#43905.

`create_listener_rules` takes the listeners, target groups, conditions and priority as
parameters so a service can later attach to shared listeners with host-header or path
conditions; a component with its own load balancer uses the defaults (`/*`, priority 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import service_trust_policy

#: AWS managed policy for the ECS infrastructure role that rewrites listener rules (ARN from
#: the AWS Managed Policy reference; no `service-role/` path).
LOAD_BALANCER_ROLE_POLICY = (
    "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
)

#: Engine (camelCase) names of what ECS owns on a rule.
RULE_IGNORED = ["actions"]

#: Match everything: the component's own listeners serve one service.
DEFAULT_CONDITIONS: tuple[aws.lb.ListenerRuleConditionArgs, ...] = (
    aws.lb.ListenerRuleConditionArgs(
        path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=["/*"])
    ),
)
#: The first rule of the component's own listeners; 1-50000 (ALB).
DEFAULT_PRIORITY = 1


@dataclass
class ListenerRules:
    production: aws.lb.ListenerRule
    test: aws.lb.ListenerRule


def _weighted_forward(
    primary: pulumi.Input[str], other: pulumi.Input[str]
) -> list[aws.lb.ListenerRuleActionArgs]:
    return [
        aws.lb.ListenerRuleActionArgs(
            type="forward",
            forward=aws.lb.ListenerRuleActionForwardArgs(
                target_groups=[
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=primary, weight=100),
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=other, weight=0),
                ]
            ),
        )
    ]


def create_listener_rules(
    name: str,
    *,
    production_listener_arn: pulumi.Input[str],
    test_listener_arn: pulumi.Input[str],
    blue_target_group_arn: pulumi.Input[str],
    green_target_group_arn: pulumi.Input[str],
    conditions: Sequence[aws.lb.ListenerRuleConditionArgs] = DEFAULT_CONDITIONS,
    priority: int = DEFAULT_PRIORITY,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> ListenerRules:
    """The production rule (all traffic to blue) and the test rule (all test traffic to green).

    `conditions` default to path-pattern `/*`; `priority` is used on both listeners."""
    if not 1 <= priority <= 50000:
        raise ValueError(f"listener rule priority: {priority} is outside 1..50000")
    owned_by_ecs = pulumi.ResourceOptions(parent=parent, ignore_changes=RULE_IGNORED)
    production = aws.lb.ListenerRule(
        f"{name}-production-rule",
        listener_arn=production_listener_arn,
        priority=priority,
        conditions=list(conditions),
        actions=_weighted_forward(blue_target_group_arn, green_target_group_arn),
        tags=tags,
        opts=owned_by_ecs,
    )
    test = aws.lb.ListenerRule(
        f"{name}-test-rule",
        listener_arn=test_listener_arn,
        priority=priority,
        conditions=list(conditions),
        actions=_weighted_forward(green_target_group_arn, blue_target_group_arn),
        tags=tags,
        opts=owned_by_ecs,
    )
    return ListenerRules(production, test)


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
