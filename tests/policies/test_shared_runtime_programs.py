"""The pack on stacks that use a shared runtime: a service stack attached through `sharedStack`
(no VPC, no cluster of its own) and the runtime stack itself (a load balancer, no service)."""

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
