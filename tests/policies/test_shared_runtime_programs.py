"""The pack on stacks that use a shared runtime: service stacks attached through `sharedStack`
(no VPC, no cluster, under ECS no load balancer of their own), the runtime stack itself (a load
balancer, no service), and runtime and services in one program (examples/two-services)."""

from __future__ import annotations

from tests.harness import run_main, stack_config
from tests.policies.analyzer import PackClient
from tests.policies.test_programs import analyze_run
from tests.runtime.support import (
    SHARED_STACK,
    mocks_with_runtime,
    run_runtime,
    runtime_config,
    runtime_outputs,
)
from tests.runtime.test_two_services import run_example


def test_attached_codedeploy_service_passes_the_pack(pack: PackClient) -> None:
    run = run_main(
        {**stack_config("dev"), "ecs-blue-green:sharedStack": SHARED_STACK},
        mocks=mocks_with_runtime(runtime_outputs()),
    )
    assert run.of_type("aws:ecs/cluster:Cluster") == [], "the service uses the runtime's cluster"
    diagnostics = analyze_run(pack, run)
    assert [d for d in diagnostics if d.level == "mandatory"] == []


def test_runtime_stack_passes_the_pack(pack: PackClient) -> None:
    run = run_runtime(runtime_config("prod"))
    diagnostics = analyze_run(pack, run)
    assert [d for d in diagnostics if d.level == "mandatory"] == []


def test_attached_ecs_service_passes_the_pack(pack: PackClient) -> None:
    run = run_main(
        {
            **stack_config("dev"),
            "ecs-blue-green:sharedStack": SHARED_STACK,
            "ecs-blue-green:deploymentController": "ECS",
            "ecs-blue-green:hostHeaders": ["web.example.com"],
        },
        mocks=mocks_with_runtime(runtime_outputs()),
    )
    assert run.of_type("aws:lb/loadBalancer:LoadBalancer") == [], "the runtime's ALB is used"
    diagnostics = analyze_run(pack, run)
    assert [d for d in diagnostics if d.level == "mandatory"] == []


def test_two_services_example_passes_the_pack(pack: PackClient) -> None:
    """Runtime and services in one stack: the listeners are there, related by dependencies."""
    run = run_example(ordersAppVersion="v1")
    assert len(run.of_type("aws:lb/listenerRule:ListenerRule")) == 4
    diagnostics = analyze_run(pack, run)
    assert [d for d in diagnostics if d.level == "mandatory"] == []
