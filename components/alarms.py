"""CloudWatch alarms that roll a release back (CodeDeploy's DEPLOYMENT_STOP_ON_ALARM).

Every alarm is about ONE target group (dimensions LoadBalancer + TargetGroup), never the whole
load balancer: during a release green and blue sit in different target groups, so an alarm of
green's group is green's own signal. A load-balancer-wide 5xx alarm would let a production
incident on blue roll back the very release that fixes it.

On a shared load balancer (many services behind the runtime's ALB) the same holds: the
`LoadBalancer` dimension is the shared ALB's and the `TargetGroup` dimension this service's own
group, so one service's errors never roll back another service's release.

Both target groups get the same alarms because the roles swap on every release: whichever is
green now was blue last time. The deployment group lists all of them (its default, e.g. for a
manual deployment); the release resource passes only green's for each release it starts
(`overrideAlarmConfiguration`), since it knows which group serves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs


@dataclass
class TargetGroupAlarms:
    """The alarms about one target group."""

    target_group: aws.lb.TargetGroup
    alarms: list[aws.cloudwatch.MetricAlarm]

    @property
    def names(self) -> list[pulumi.Output[str]]:
        return [alarm.name for alarm in self.alarms]


def create_target_group_alarms(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    load_balancer_arn_suffix: pulumi.Input[str],
    blue: aws.lb.TargetGroup,
    green: aws.lb.TargetGroup,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> list[TargetGroupAlarms]:
    """Target 5xx and unhealthy hosts, for blue's and green's target group each, behind the
    load balancer whose `arn_suffix` is given (the service's own or the shared one)."""
    child = pulumi.ResourceOptions(parent=parent)
    per_group = []
    for colour, group in (("blue", blue), ("green", green)):
        dimensions = {
            "LoadBalancer": load_balancer_arn_suffix,
            "TargetGroup": group.arn_suffix,
        }
        five_xx = aws.cloudwatch.MetricAlarm(
            f"{name}-{colour}-5xx",
            alarm_description=(
                f"{name}: targets of the {colour} target group answer 5xx; rolls back a running "
                "release whose green it is"
            ),
            namespace="AWS/ApplicationELB",
            metric_name="HTTPCode_Target_5XX_Count",
            dimensions=dimensions,
            statistic="Sum",
            period=60,
            evaluation_periods=1,
            threshold=args.alarm_5xx_threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # No traffic is no evidence of a bad release.
            treat_missing_data="notBreaching",
            tags=tags,
            opts=child,
        )
        unhealthy = aws.cloudwatch.MetricAlarm(
            f"{name}-{colour}-unhealthy",
            alarm_description=f"{name}: unhealthy targets in the {colour} target group",
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions=dimensions,
            statistic="Maximum",
            period=60,
            # Two minutes: a task being replaced is briefly unhealthy by design.
            evaluation_periods=2,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            tags=tags,
            opts=child,
        )
        per_group.append(TargetGroupAlarms(group, [five_xx, unhealthy]))
    return per_group


def alarm_names(alarms: Sequence[aws.cloudwatch.MetricAlarm]) -> list[pulumi.Output[str]]:
    """The names a deployment controller's alarm configuration takes."""
    return [alarm.name for alarm in alarms]
