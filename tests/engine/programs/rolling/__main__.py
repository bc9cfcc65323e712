"""A load-balanced ECS service with the ECS controller and no blue/green strategy: a rolling
update, which the policy pack's blue/green rule refuses (tests/engine/test_engine.py)."""

import pulumi_aws as aws

cluster = aws.ecs.Cluster("rolling")
group = aws.lb.TargetGroup("rolling", port=3000, protocol="HTTP", target_type="ip", vpc_id="vpc-1")
aws.ecs.Service(
    "rolling",
    cluster=cluster.arn,
    desired_count=2,
    launch_type="FARGATE",
    task_definition="arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1",
    deployment_controller=aws.ecs.ServiceDeploymentControllerArgs(type="ECS"),
    load_balancers=[
        aws.ecs.ServiceLoadBalancerArgs(
            target_group_arn=group.arn, container_name="web", container_port=3000
        )
    ],
    network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(subnets=["subnet-1"]),
)
