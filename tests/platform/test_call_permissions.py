"""Every AWS call our own code makes is allowed to the role that makes it in production.

The release engine (components/release/codedeploy), the ECS release check
(components/release/ecs), the test gate, its probe and the ECS hook
(components/lambdas/test_traffic_gate) make their calls in their own tests, against Stubber,
moto or a fake behind real botocore clients. The recording plugin (tests/aws_calls.py) keeps
those calls: from this process when those tests ran in it before this module (scripts/test's
workers take them as one unit), else from a run of them in a subprocess. Each recorded
operation is evaluated with the IAM simulator against the policies of the role that runs the
code:

- the engine and the check run in `pulumi up`, as the stack's deploy role (platform/org
  `deploy_policies`), for a stack with its own cluster and for one on a shared runtime;
- the gate, the ECS hook and the probe run as their own Lambda roles, as
  components/test_traffic_gate.py builds them, under the stack's permissions boundary.

Each operation is evaluated on every resource type AWS's Service Authorization Reference lists
for its action (`"*"` where it lists none), with the resource named and tagged as the stack
makes it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from components.test_traffic_gate import gate_policy_document
from platform_stack.permissions import Scope, boundary_policy, deploy_policies
from tests.aws_calls import KEY, ROOT, TARGET_VARIABLE, source_of
from tests.platform.iam_simulator import ACCOUNT, Request, simulate
from tests.platform.service_reference import REGION, action_exists, resource_arns
from tests.platform.test_deploy_role_evaluation import DEV, ORDERS

pytestmark = pytest.mark.long

#: IAM's name for a botocore service, where the two differ.
IAM_PREFIX: Mapping[str, str] = {"elbv2": "elasticloadbalancing"}
#: IAM's name for an operation, where it is not the API's (Service Authorization Reference).
IAM_ACTION: Mapping[str, str] = {"lambda:Invoke": "lambda:InvokeFunction"}
#: Calls evaluated against no role, each for the reason given.
NOT_THE_ROLES: Mapping[str, str] = {
    "sts:GetCallerIdentity": (
        "needs no permission (AWS STS API Reference, GetCallerIdentity: no permissions are "
        "required, and an explicit deny does not stop it)"
    ),
    "sts:AssumeRole": (
        "made with the base credentials, only when the stack's aws provider assumes a role "
        "(credentials.py mirrors `assumeRoles`); platform stacks run as the deploy role itself "
        "(Pulumi Deployments' OIDC session) and set none; the provider would need it as much"
    ),
}


@dataclass(frozen=True)
class Component:
    """Code that calls AWS, and the role it runs as in production."""

    name: str
    source: str
    """Where the code lives: a file or a folder (ending in '/') under the repository root."""
    role: str


COMPONENTS: tuple[Component, ...] = (
    Component("engine", "components/release/codedeploy/", "deploy"),
    Component("check", "components/release/ecs/", "deploy"),
    Component("gate", "components/lambdas/test_traffic_gate/gate.py", "gate"),
    Component("hook", "components/lambdas/test_traffic_gate/ecs_hook.py", "hook"),
    Component("probe", "components/lambdas/test_traffic_gate/probe.py", "probe"),
)
#: Names as the stacks make them (Pulumi auto-naming appends `-` and 7 characters), by the
#: placeholder of AWS's ARN templates.
DEV_NAMES: dict[str, list[str]] = {
    "ApplicationName": ["web-app-1a2b3c4"],
    # __main__.py names the deployment group after the service.
    "DeploymentGroupName": ["web"],
    # A predefined configuration, or the stack's own (canary and linear releases).
    "DeploymentConfigurationName": ["CodeDeployDefault.ECSAllAtOnce", "web-release-1a2b3c4"],
    "ClusterName": ["web-cluster-1a2b3c4"],
    "ServiceName": ["web-service-1a2b3c4"],
    "ServiceDeploymentId": ["aBcD1234eFgH5678"],
    "ServiceRevisionId": ["4980306466373577095"],
    "TaskId": ["0123456789abcdef0123456789abcdef"],
    "FunctionName": ["web-test-gate-probe-1a2b3c4"],
}
#: orders-dev on the dev runtime: its service in the runtime's cluster.
ORDERS_NAMES = DEV_NAMES | {
    "ApplicationName": ["orders-app-1a2b3c4"],
    "DeploymentGroupName": ["orders"],
    "DeploymentConfigurationName": ["CodeDeployDefault.ECSAllAtOnce", "orders-release-1a2b3c4"],
    "ClusterName": ["dev-cluster-1a2b3c4"],
    "ServiceName": ["orders-service-1a2b3c4"],
    "FunctionName": ["orders-test-gate-probe-1a2b3c4"],
}
#: AWSLambdaVPCAccessExecutionRole (AWS Managed Policy Reference, version 3), the probe's only
#: policy: its function runs in the VPC and writes its logs.
LAMBDA_VPC_ACCESS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        }
    ],
}


@dataclass(frozen=True)
class Role:
    name: str
    scope: Scope
    names: Mapping[str, Sequence[str]]
    policies: Mapping[str, Any]
    boundary: Mapping[str, Any] | None = None


def _lambda_role(name: str, scope: Scope, names: Mapping[str, Sequence[str]]) -> Role:
    probe = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{names['FunctionName'][0]}"
    logs = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{scope.name_prefix}gate"
    policies: dict[str, Any] = {
        # components/test_traffic_gate.py: the gate reports to CodeDeploy; as the ECS hook
        # (controller ECS) it answers in its return value instead.
        "gate": {"inline": json.loads(gate_policy_document(probe, logs, True))},
        "hook": {"inline": json.loads(gate_policy_document(probe, logs, False))},
        "probe": {"AWSLambdaVPCAccessExecutionRole": LAMBDA_VPC_ACCESS},
    }[name]
    return Role(name, scope, names, policies, boundary_policy(scope))


def roles(role: str) -> list[Role]:
    """The production roles that run `role`'s code, for a stack of each kind."""
    if role == "deploy":
        return [
            Role("deploy", DEV, DEV_NAMES, deploy_policies(DEV)),
            Role("deploy (attached)", ORDERS, ORDERS_NAMES, deploy_policies(ORDERS)),
        ]
    return [_lambda_role(role, DEV, DEV_NAMES)]


def component_of(source: str) -> Component:
    for component in COMPONENTS:
        if source == component.source or (
            component.source.endswith("/") and source.startswith(component.source)
        ):
            return component
    raise AssertionError(f"{source} calls AWS: add it to COMPONENTS with the role that runs it")


def iam_action(service: str, operation: str) -> str:
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    action = IAM_ACTION.get(action, action)
    assert action_exists(action), f"{action} is not in AWS's reference: add it to IAM_ACTION"
    return action


@dataclass(frozen=True)
class Evaluated:
    component: str
    role: str
    action: str
    resource: str
    result: str


def evaluate(records: list[dict[str, Any]]) -> list[Evaluated]:
    """Every recorded call of our code, on each resource it authorises, by each role that
    runs it."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for record in records:
        if not record["source"]:
            continue  # the tests' own set-up
        component = component_of(record["source"])
        action = iam_action(record["service"], record["operation"])
        if action not in NOT_THE_ROLES:
            wanted.setdefault((component.name, component.role), set()).add(action)
    evaluated = []
    for (component_name, role_name), actions in sorted(wanted.items()):
        for role in roles(role_name):
            requests = []
            for action in sorted(actions):
                for resource_type, arn in resource_arns(action, role.names):
                    context: dict[str, str | list[str]] = {"aws:RequestedRegion": REGION}
                    if resource_type != "*":
                        # What the stack creates carries its tags (components/args.py).
                        context |= {
                            f"aws:ResourceTag/{k}": v for k, v in role.scope.stack_tags.items()
                        }
                    requests.append(Request(action, arn, context))
            outcomes = simulate(requests, role.policies, role.boundary)
            evaluated += [
                Evaluated(component_name, role.name, r.action, r.resource, o.result)
                for r, o in zip(requests, outcomes, strict=True)
            ]
    return evaluated


@dataclass(frozen=True)
class Recording:
    failures: list[str]
    """The recording tests that failed, each with its report."""
    records: list[dict[str, Any]]


@pytest.fixture(scope="module")
def recording(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Recording:
    here = request.config.stash[KEY]
    if here.covers(request.session.items):
        return Recording(here.failures, here.records())
    target = tmp_path_factory.mktemp("calls") / "calls.json"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q",
         *sorted(str(p.relative_to(ROOT)) for p in here.modules)],
        cwd=ROOT, env={**os.environ, TARGET_VARIABLE: str(target)},
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if not target.is_file():
        return Recording([f"the recording run wrote nothing:\n{completed.stdout[-3000:]}"], [])
    seen = json.loads(target.read_text())
    return Recording(seen["failures"], seen["records"])


@pytest.fixture(scope="module")
def recorded(recording: Recording) -> list[dict[str, Any]]:
    return recording.records


@pytest.fixture(scope="module")
def evaluated(recorded: list[dict[str, Any]]) -> list[Evaluated]:
    return evaluate(recorded)


def test_the_recording_tests_pass(recording: Recording) -> None:
    # Evaluated even when they fail: a new call the stubs do not expect is still recorded.
    assert recording.failures == [], "the recording tests failed:\n" + "\n".join(recording.failures)


def test_every_call_of_our_code_is_allowed_to_the_role_that_makes_it(
    evaluated: list[Evaluated],
) -> None:
    denied = [
        (e.component, e.role, e.action, e.resource) for e in evaluated if e.result != "Allowed"
    ]
    assert denied == []


def test_the_recording_covers_every_component_that_calls_aws(
    recorded: list[dict[str, Any]], evaluated: list[Evaluated]
) -> None:
    # A recorder that saw nothing would let every call through: each component that calls AWS
    # must show up with the calls it is known to make. The probe only speaks HTTP.
    calls = {(component_of(r["source"]).name, r["operation"]) for r in recorded if r["source"]}
    assert {
        ("engine", "CreateDeployment"),
        ("engine", "StopDeployment"),
        ("engine", "ContinueDeployment"),
        ("check", "ListServiceDeployments"),
        ("gate", "PutLifecycleEventHookExecutionStatus"),
        ("gate", "Invoke"),
        ("hook", "Invoke"),
        ("hook", "DescribeNetworkInterfaces"),
    } <= calls
    assert not {c for c, _ in calls} - {c.name for c in COMPONENTS}
    assert "probe" not in {c for c, _ in calls}
    # Every exclusion is still made by the code (a stale one would hide a future call).
    made = {iam_action(r["service"], r["operation"]) for r in recorded if r["source"]}
    assert set(NOT_THE_ROLES) <= made
    counts = summary(recorded, evaluated)
    print(json.dumps(counts, indent=1))  # the closing note's numbers (pytest -s)
    assert set(counts["requests_allowed_per_role"]) == {
        "deploy",
        "deploy (attached)",
        "gate",
        "hook",
    }


def summary(recorded: list[dict[str, Any]], evaluated: list[Evaluated]) -> dict[str, Any]:
    """Counts for the closing note: operations and calls per component, requests per role."""
    by_component: Counter[str] = Counter()
    operations: dict[str, set[str]] = {}
    for r in recorded:
        if r["source"]:
            name = component_of(r["source"]).name
            by_component[name] += r["count"]
            operations.setdefault(name, set()).add(f"{r['service']}:{r['operation']}")
    allowed: Counter[str] = Counter(e.role for e in evaluated if e.result == "Allowed")
    return {
        "calls": dict(by_component),
        "operations": {k: len(v) for k, v in operations.items()},
        "requests_allowed_per_role": dict(allowed),
        "requests_per_role": dict(Counter(e.role for e in evaluated)),
    }


def test_a_call_the_role_lacks_is_caught() -> None:
    # Mutants of the code, as records: the engine stopping an ECS task (ecs:StopTask takes a
    # task ARN, which the deploy role's ECS grant does not name), the gate describing
    # instances, the probe invoking another function.
    records = [
        {"source": "components/release/codedeploy/releaser.py", "service": "ecs",
         "operation": "StopTask", "count": 1},
        {"source": "components/lambdas/test_traffic_gate/gate.py", "service": "ec2",
         "operation": "DescribeInstances", "count": 1},
        {"source": "components/lambdas/test_traffic_gate/probe.py", "service": "lambda",
         "operation": "Invoke", "count": 1},
    ]  # fmt: skip
    denied = {(e.component, e.action) for e in evaluate(records) if e.result != "Allowed"}
    assert denied == {
        ("engine", "ecs:StopTask"),
        ("gate", "ec2:DescribeInstances"),
        ("probe", "lambda:InvokeFunction"),
    }


def test_code_outside_the_known_components_must_name_its_role() -> None:
    with pytest.raises(AssertionError, match="add it to COMPONENTS"):
        evaluate([{"source": "components/new_tool.py", "service": "ecs",
                   "operation": "ListClusters", "count": 1}])  # fmt: skip


def test_the_outermost_project_frame_names_the_caller() -> None:
    # Innermost first, as the recorder walks the stack: the ECS hook calling the gate's code
    # runs as the hook; pytest's frames, a virtualenv in the checkout and the tests are not it.
    frames = [
        str(ROOT / ".venv/lib/python3.11/site-packages/botocore/client.py"),
        str(ROOT / "components/lambdas/test_traffic_gate/gate.py"),
        str(ROOT / "components/lambdas/test_traffic_gate/ecs_hook.py"),
        str(ROOT / "tests/test_ecs_hook_handler.py"),
        "<frozen runpy>",
        str(ROOT / ".venv/lib/python3.11/site-packages/_pytest/python.py"),
    ]
    assert source_of(frames) == "components/lambdas/test_traffic_gate/ecs_hook.py"
    assert component_of(source_of(frames)).role == "hook"
    assert source_of(frames[-3:]) == ""
