"""An optional AWS WAF web ACL in front of the load balancer, made of AWS managed rule groups.

Off by default: it costs about USD 5 per month per web ACL, USD 1 per rule (each managed group
counts as one) and USD 0.60 per million requests (https://aws.amazon.com/waf/pricing/, see
docs/security.md), and the sample service has no input worth filtering. The groups chosen are
AWS's baseline for any web application; none needs configuration or a subscription.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

#: AWS managed rule groups, in evaluation order: cheapest and most certain first.
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesCommonRuleSet",
)


@dataclass
class Waf:
    web_acl: aws.wafv2.WebAcl
    association: aws.wafv2.WebAclAssociation


def create_waf(
    name: str,
    *,
    load_balancer_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> Waf:
    """A regional web ACL that allows by default and blocks what the managed groups match."""
    rules = [
        aws.wafv2.WebAclRuleArgs(
            name=group,
            priority=priority,
            # "none" keeps each group's own block actions; "count" would only observe.
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
            ),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=(
                    aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        vendor_name="AWS", name=group
                    )
                )
            ),
            visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=f"{name}-{group}",
                sampled_requests_enabled=True,
            ),
        )
        for priority, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    web_acl = aws.wafv2.WebAcl(
        f"{name}-waf",
        scope="REGIONAL",
        default_action=aws.wafv2.WebAclDefaultActionArgs(
            allow=aws.wafv2.WebAclDefaultActionAllowArgs()
        ),
        rules=rules,
        visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True,
            metric_name=f"{name}-waf",
            sampled_requests_enabled=True,
        ),
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    association = aws.wafv2.WebAclAssociation(
        f"{name}-waf",
        resource_arn=load_balancer_arn,
        web_acl_arn=web_acl.arn,
        opts=pulumi.ResourceOptions(parent=web_acl),
    )
    return Waf(web_acl, association)
