"""Several services and their runtime in one program (a monorepo stack): `SharedRuntime.ref()`
is passed straight to `BlueGreenServiceArgs`, no stack reference involved."""

from __future__ import annotations

import pulumi
import pytest

from components import BlueGreenService, BlueGreenServiceArgs
from components.runtime import SharedRuntime, SharedRuntimeArgs
from tests.harness import StackRun, run_program

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/{}:v1"


def _program() -> None:
    runtime = SharedRuntime("dev", SharedRuntimeArgs(nat_strategy="single"))
    for name in ("orders", "billing"):
        service = BlueGreenService(
            name,
            BlueGreenServiceArgs(shared_runtime=runtime.ref(), image_uri=IMAGE.format(name)),
        )
        pulumi.export(f"{name}Cluster", service.cluster_name)


@pytest.fixture(scope="module")
def run() -> StackRun:
    return run_program(_program, config={"aws:region": "eu-west-1"})


def test_one_network_and_one_cluster_for_both_services(run: StackRun) -> None:
    assert len(run.of_type("awsx:ec2:Vpc")) == 1
    [cluster] = run.of_type("aws:ecs/cluster:Cluster")
    services = run.of_type("aws:ecs/service:Service")
    assert sorted(s.name for s in services) == ["billing-service", "orders-service"]
    for service in services:
        assert service.inputs["cluster"] == cluster.outputs["arn"]
        network = service.inputs["networkConfiguration"]
        assert network["subnets"] == ["subnet-priv-a", "subnet-priv-b"]
        assert network["assignPublicIp"] is False
    assert run.outputs["ordersCluster"] == run.outputs["billingCluster"] == cluster.outputs["name"]


def test_codedeploy_services_keep_a_load_balancer_each_besides_the_runtime_one(
    run: StackRun,
) -> None:
    names = sorted(r.name for r in run.of_type("aws:lb/loadBalancer:LoadBalancer"))
    assert names == ["billing-alb", "dev-alb", "orders-alb"]
    for alb in run.of_type("aws:lb/loadBalancer:LoadBalancer"):
        assert alb.inputs["subnets"] == ["subnet-pub-a", "subnet-pub-b"]
