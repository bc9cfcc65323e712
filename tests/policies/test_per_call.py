"""The rules of one Analyze or AnalyzeStack call share one plain copy of what they read
(ecs_blue_green_policies/per_call.py), and nothing of it reaches another call.

Driven through the SDK's own servicer, in-process, so the report callbacks are the SDK's.
"""

from __future__ import annotations

import contextlib
import copy
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, StackValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from bench.pack_profile import servicer
from bench.policy_throughput import workload
from ecs_blue_green_policies import per_call, rule, values
from ecs_blue_green_policies.pack import RULES, policies
from ecs_blue_green_policies.rule import NotApplicable, Resource, ResourceRule, Stack, StackRule
from tests.policies.analyzer import ROOT, StackResource, struct, urn
from tests.policies.fixtures import ALL_BASELINES, AWS_REPOSITORY, AWS_TASK_DEFINITION

CONTAINER_RULES = 4
"""Rules of the pack on task definitions: health check, hardening, logging, secrets."""


@pytest.fixture(autouse=True)
def _nothing_outlives_a_test() -> Iterator[None]:
    """The calls here run in this process: what they share is dropped after each test, so that
    a mutant keeping protobuf data past its call fails its test, not the test run's exit."""
    yield
    per_call._calls.__dict__.clear()


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """URN -> how many times the rules copied that resource's properties."""
    counts: Counter[str] = Counter()
    resource_of, view_of = rule._resource, Stack.view

    def resource(args: Any) -> Resource:
        counts[args.urn] += 1
        return resource_of(args)

    def view(self: Stack, of: Any) -> Resource:
        counts[of.urn] += of.urn not in self._plain
        return view_of(self, of)

    monkeypatch.setattr(rule, "_resource", resource)
    monkeypatch.setattr(Stack, "view", view)
    return counts


def analyze(analyzer: _PolicyAnalyzerServicer, type_: str, props: dict[str, Any]) -> list[str]:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_, name="subject", urn=urn(type_, "subject"), properties=struct(props)
    )
    return sorted(d.policyName for d in analyzer.Analyze(request, None).diagnostics)


def test_the_rules_of_one_call_copy_a_resource_once(conversions: Counter[str]) -> None:
    analyzer = servicer(policies())
    assert analyze(analyzer, AWS_TASK_DEFINITION.type, AWS_TASK_DEFINITION.props()) == []
    assert analyze(analyzer, AWS_TASK_DEFINITION.type, AWS_TASK_DEFINITION.props()) == []
    rules = [r for r in RULES if isinstance(r, ResourceRule)]
    assert sum(AWS_TASK_DEFINITION.type in r.resource_types for r in rules) == CONTAINER_RULES
    # Once per call, not once per rule, and the second call makes its own.
    assert list(conversions.values()) == [2]


def test_a_later_call_for_the_same_resource_sees_its_own_properties() -> None:
    """A preview and then the update analyse the same URN with other properties."""
    analyzer = servicer(policies())
    assert analyze(analyzer, AWS_REPOSITORY.type, AWS_REPOSITORY.props()) == []
    changed = AWS_REPOSITORY.props(
        (("imageScanningConfiguration", "scanOnPush"), False), (("imageTagMutability",), "MUTABLE")
    )
    assert analyze(analyzer, AWS_REPOSITORY.type, changed) == [
        "ecr-immutable-tags",
        "ecr-scan-on-push",
    ]
    assert analyze(analyzer, AWS_REPOSITORY.type, AWS_REPOSITORY.props()) == []


def test_the_stack_rules_of_one_call_view_a_resource_once(conversions: Counter[str]) -> None:
    load = workload(200)
    analyzer = servicer(policies())
    analyzer.AnalyzeStack(load.stack, None)
    assert conversions, "the stack rules viewed nothing: the workload no longer exercises them"
    assert set(conversions.values()) == {1}
    analyzer.AnalyzeStack(load.stack, None)
    assert set(conversions.values()) == {2}


def test_a_later_stack_call_sees_its_own_properties() -> None:
    service = StackResource(
        "aws:ecs/service:Service",
        "web",
        {"name": "web", "deploymentController": {"type": "CODE_DEPLOY"}},
    )
    analyzer = servicer(policies())

    def stack_call(*resources: StackResource) -> list[str]:
        request = analyzer_pb2.AnalyzeStackRequest(resources=[r.message() for r in resources])
        return [d.policyName for d in analyzer.AnalyzeStack(request, None).diagnostics]

    assert stack_call(service) == ["codedeploy-service-has-deployment-group"]
    rolling = StackResource(
        "aws:ecs/service:Service", "web", {"name": "web", "deploymentController": {"type": "ECS"}}
    )
    assert stack_call(rolling) == []


def test_without_the_sdk_s_callback_nothing_is_shared() -> None:
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    def report(message: str, urn: str | None = None) -> None:
        return None

    assert per_call.call_of(report) is None
    assert [per_call.shared(report, "key", make) for _ in range(2)] == [1, 2]


def test_the_sdk_s_callback_names_its_call_s_response() -> None:
    """The SDK version this depends on (requirements lock it): an upgrade that changes how the
    callback is made fails here, rather than silently copying once per rule again."""
    response = analyzer_pb2.AnalyzeResponse()
    analyzer = servicer(policies())
    report = analyzer._create_report_violation(response, "p", "d", EnforcementLevel.ADVISORY)
    assert per_call.call_of(report) is response


def test_the_pack_process_exits_cleanly_after_a_stack_call() -> None:
    """Only plain data outlives a call: the SDK's stack resources hold protobuf containers,
    and kept past the call they crashed the interpreter at exit (SIGSEGV in the collector)."""
    script = (
        "import sys; sys.path[:0] = [{root!r}, {policies!r}]\n"
        "from bench.pack_profile import servicer\n"
        "from bench.policy_throughput import workload\n"
        "from ecs_blue_green_policies.pack import policies\n"
        "servicer(policies()).AnalyzeStack(workload(20).stack, None)\n"
    ).format(root=str(ROOT), policies=str(ROOT / "policies"))
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", sorted(ALL_BASELINES))
def test_no_resource_rule_changes_the_properties_it_shares(name: str) -> None:
    fixture = ALL_BASELINES[name]
    resource = Resource(
        fixture.type, "subject", urn(fixture.type, "subject"), values.plain(fixture.props())
    )
    before = copy.deepcopy(resource.props)
    for each in RULES:
        if isinstance(each, ResourceRule) and fixture.type in each.resource_types:
            with contextlib.suppress(NotApplicable):
                list(each.check(resource, each.info.resolve_config({})))
    assert resource.props == before


def test_no_stack_rule_changes_the_views_it_shares() -> None:
    captured: list[list[Any]] = []

    def capture(args: Any, report: Any) -> None:
        captured.append(args.resources)

    servicer([StackValidationPolicy("probe", "keeps the resources", capture)]).AnalyzeStack(
        workload(100).stack, None
    )
    views: dict[str, Resource] = {}
    for each in RULES:
        if isinstance(each, StackRule):
            list(each.check(Stack(captured[0], views), each.info.resolve_config({})))
    assert views
    for resource in captured[0]:
        if resource.urn in views:
            assert views[resource.urn].props == values.plain(resource.props), resource.urn
