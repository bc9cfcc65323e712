"""CloudWatch alarms that make CodeDeploy roll a release back (DEPLOYMENT_STOP_ON_ALARM).

Both target groups are watched because the roles swap on every release: whichever is green
now was blue last time.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.args import BlueGreenServiceArgs
from components.load_balancer import LoadBalancer


def create_alarms(
    name: str,
    args: BlueGreenServiceArgs,
    lb: LoadBalancer,
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> list[aws.cloudwatch.MetricAlarm]:
    child = pulumi.ResourceOptions(parent=parent)
    alarms = [
        aws.cloudwatch.MetricAlarm(
            f"{name}-target-5xx",
            alarm_description=f"{name}: targets answer 5xx; rolls back a running release",
            namespace="AWS/ApplicationELB",
            metric_name="HTTPCode_Target_5XX_Count",
            dimensions={"LoadBalancer": lb.load_balancer.arn_suffix},
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
    ]
    for colour, group in (("blue", lb.blue), ("green", lb.green)):
        alarms.append(
            aws.cloudwatch.MetricAlarm(
                f"{name}-{colour}-unhealthy",
                alarm_description=f"{name}: unhealthy targets in the {colour} target group",
                namespace="AWS/ApplicationELB",
                metric_name="UnHealthyHostCount",
                dimensions={
                    "LoadBalancer": lb.load_balancer.arn_suffix,
                    "TargetGroup": group.arn_suffix,
                },
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
        )
    return alarms
