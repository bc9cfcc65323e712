"""The release resource: CodeDeploy paths with botocore Stubber, moto, and Pulumi mocks.

Stubber checks every request against the real service model and the exact parameters we expect;
a fake clock makes every wait instant. moto covers what it implements (creating and listing
deployments); it keeps a deployment `Created` forever, so outcomes are stubbed.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from components.release.codedeploy.release import (
    CodeDeployDeployment,
    CodeDeployDeploymentArgs,
    CodeDeployDeploymentProvider,
)
from components.release.codedeploy.releaser import (
    ACTIVE_STATUSES,
    DESCRIPTION_MARKER,
    CodeDeployReleaser,
    DeploymentError,
)
from components.release.codedeploy.spec import (
    PREDEFINED_TRAFFIC_ROUTING,
    ReleaseSpec,
    Serving,
    derive_timeout_minutes,
    traffic_shift_minutes,
)
from tests.harness import ROOT, run_program

# One botocore session for all stubbed clients: it caches the service models.
BOTOCORE = botocore.session.get_session()
REGION = "eu-west-1"
APP = "web-app"
GROUP = "web-group"
CLUSTER = "web-cluster"
SERVICE = "web-service"
OLD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"
NEW = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8"
GATE = "arn:aws:lambda:eu-west-1:123456789012:function:web-test-gate-gate-1a2b3c4"
TARGET = f"{CLUSTER}:{SERVICE}"

SPEC = ReleaseSpec(
    application_name=APP,
    deployment_group_name=GROUP,
    cluster_name=CLUSTER,
    service_name=SERVICE,
    task_definition_arn=NEW,
    container_name="web",
    container_port=3000,
    region=REGION,
    hooks={"AfterAllowTestTraffic": GATE},
)


@dataclass
class FakeTime:
    """A clock that only moves when slept on."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@dataclass
class Aws:
    """Stubbed codedeploy and ecs clients, the fake time and the captured log."""

    codedeploy: Stubber
    ecs: Stubber
    clients: dict[str, Any]
    time: FakeTime = field(default_factory=FakeTime)
    lines: list[str] = field(default_factory=list)

    def releaser(self, spec: ReleaseSpec = SPEC) -> CodeDeployReleaser:
        return CodeDeployReleaser(
            spec,
            self.clients.__getitem__,
            sleep=self.time.sleep,
            clock=self.time.clock,
            log=self.lines.append,
        )

    def provider(self) -> CodeDeployDeploymentProvider:
        return CodeDeployDeploymentProvider(
            clients=lambda identity, quick=False: self.clients.__getitem__,
            sleep=self.time.sleep,
            clock=self.time.clock,
            log=self.lines.append,
        )

    # --- expected calls, in order -----------------------------------------------------------

    def group(
        self,
        *,
        config: str = "CodeDeployDefault.ECSAllAtOnce",
        ready_wait: int = 0,
        termination_wait: int = 5,
        auto_rollback: bool = True,
    ) -> None:
        self.codedeploy.add_response(
            "get_deployment_group",
            {
                "deploymentGroupInfo": {
                    "applicationName": APP,
                    "deploymentGroupName": GROUP,
                    "deploymentConfigName": config,
                    "autoRollbackConfiguration": {
                        "enabled": auto_rollback,
                        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
                    },
                    "blueGreenDeploymentConfiguration": {
                        "deploymentReadyOption": {
                            "actionOnTimeout": "STOP_DEPLOYMENT"
                            if ready_wait
                            else "CONTINUE_DEPLOYMENT",
                            "waitTimeInMinutes": ready_wait,
                        },
                        "terminateBlueInstancesOnDeploymentSuccess": {
                            "action": "TERMINATE",
                            "terminationWaitTimeInMinutes": termination_wait,
                        },
                    },
                }
            },
            {"applicationName": APP, "deploymentGroupName": GROUP},
        )

    def active(self, *deployment_ids: str) -> None:
        self.codedeploy.add_response(
            "list_deployments",
            {"deployments": list(deployment_ids)},
            {
                "applicationName": APP,
                "deploymentGroupName": GROUP,
                "includeOnlyStatuses": list(ACTIVE_STATUSES),
            },
        )

    def history(self, *infos: dict[str, Any]) -> None:
        """The group's earlier deployments, looked up before each CreateDeployment."""
        self.codedeploy.add_response(
            "list_deployments",
            {"deployments": [info["deploymentId"] for info in infos]},
            {"applicationName": APP, "deploymentGroupName": GROUP},
        )
        if infos:
            self.codedeploy.add_response(
                "batch_get_deployments",
                {"deploymentsInfo": list(infos)},
                {"deploymentIds": [info["deploymentId"] for info in infos]},
            )

    def running(self, task_definition: str) -> None:
        self.ecs.add_response(
            "describe_services",
            {
                "services": [
                    {
                        "serviceName": SERVICE,
                        "taskDefinition": OLD,
                        "taskSets": [
                            {"status": "ACTIVE", "taskDefinition": "web:other"},
                            {"status": "PRIMARY", "taskDefinition": task_definition},
                        ],
                    }
                ]
            },
            {"cluster": CLUSTER, "services": [SERVICE]},
        )

    def create(self, deployment_id: str, spec: ReleaseSpec = SPEC) -> None:
        self.codedeploy.add_response(
            "create_deployment",
            {"deploymentId": deployment_id},
            {
                "applicationName": APP,
                "deploymentGroupName": GROUP,
                "revision": spec.revision(),
                "description": f"Release {spec.task_definition_arn} {DESCRIPTION_MARKER}",
            },
        )

    def get(self, deployment_id: str, status: str, **info: Any) -> None:
        self.codedeploy.add_response(
            "get_deployment",
            {"deploymentInfo": {"deploymentId": deployment_id, "status": status, **info}},
            {"deploymentId": deployment_id},
        )

    def target(
        self,
        deployment_id: str,
        events: dict[str, str],
        traffic: dict[str, float] | None = None,
        *,
        first: bool = False,
    ) -> None:
        if first:
            self.codedeploy.add_response(
                "list_deployment_targets", {"targetIds": [TARGET]}, {"deploymentId": deployment_id}
            )
        task_sets = [
            {"taskSetLabel": label, "trafficWeight": weight}
            for label, weight in (traffic or {}).items()
        ]
        self.codedeploy.add_response(
            "get_deployment_target",
            {
                "deploymentTarget": {
                    "deploymentTargetType": "ECSTarget",
                    "ecsTarget": {
                        "deploymentId": deployment_id,
                        "targetId": TARGET,
                        "lifecycleEvents": [
                            {"lifecycleEventName": name, "status": status}
                            for name, status in events.items()
                        ],
                        "taskSetsInfo": task_sets,
                    },
                }
            },
            {"deploymentId": deployment_id, "targetId": TARGET},
        )

    def poll(self, deployment_id: str, status: str, *, first: bool = False, **info: Any) -> None:
        """One poll of a deployment whose lifecycle details are not the point of the test."""
        self.get(deployment_id, status, **info)
        self.target(deployment_id, {"Install": "Succeeded"}, first=first)


@pytest.fixture
def aws() -> Iterator[Aws]:
    clients = {
        service: BOTOCORE.create_client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for service in ("codedeploy", "ecs")
    }
    with Stubber(clients["codedeploy"]) as codedeploy, Stubber(clients["ecs"]) as ecs:
        yield Aws(codedeploy, ecs, clients)
        # Every expected call was made: nothing skipped, nothing extra (extras raise).
        codedeploy.assert_no_pending_responses()
        ecs.assert_no_pending_responses()


FAILED_HOOK = {
    "code": "HOOK_EXECUTION_FAILURE",
    "message": "The deployment failed because one or more of the lifecycle event hook "
    "executions failed.",
}


def test_success_reports_lifecycle_events_and_traffic_once_each(aws: Aws) -> None:
    aws.group()
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW")
    aws.get("d-NEW", "Created")
    aws.get("d-NEW", "InProgress")
    aws.target(
        "d-NEW",
        {"BeforeInstall": "Succeeded", "Install": "InProgress", "AllowTraffic": "Pending"},
        {"Blue": 100.0},
        first=True,
    )
    aws.get("d-NEW", "InProgress")
    aws.target(
        "d-NEW",
        {"Install": "Succeeded", "AfterAllowTestTraffic": "Succeeded"},
        {"Blue": 100.0, "Green": 0.0},
    )
    aws.get("d-NEW", "InProgress")
    aws.target("d-NEW", {"AllowTraffic": "Succeeded"}, {"Blue": 0.0, "Green": 100.0})
    aws.get("d-NEW", "Succeeded")
    aws.target("d-NEW", {"AllowTraffic": "Succeeded", "AfterAllowTraffic": "Succeeded"})

    outcome = aws.releaser().release()

    assert outcome.deployment_id == "d-NEW"
    assert outcome.task_definition_arn == NEW
    assert aws.lines == [
        f"codedeploy d-NEW: started, releasing {NEW} (budget 25 min)",
        "codedeploy d-NEW: Created",
        "codedeploy d-NEW: InProgress",
        "codedeploy d-NEW: BeforeInstall Succeeded",
        "codedeploy d-NEW: Install InProgress",
        "codedeploy d-NEW: traffic blue 100%",
        "codedeploy d-NEW: Install Succeeded",
        "codedeploy d-NEW: AfterAllowTestTraffic Succeeded",
        "codedeploy d-NEW: traffic blue 100%, green 0%",
        "codedeploy d-NEW: AllowTraffic Succeeded",
        "codedeploy d-NEW: traffic blue 0%, green 100%",
        "codedeploy d-NEW: AfterAllowTraffic Succeeded",
        "codedeploy d-NEW: Succeeded",
        f"codedeploy d-NEW: {NEW} is live",
    ]
    assert aws.time.sleeps == [15, 15, 15, 15]


def test_ready_status_tells_how_to_approve(aws: Aws) -> None:
    spec = replace(SPEC, timeout_minutes=60, hooks={})
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW", spec)
    aws.poll("d-NEW", "Ready", first=True)
    aws.poll("d-NEW", "Succeeded")

    aws.releaser(spec).release()

    assert (
        "codedeploy d-NEW: Ready: green passed its checks and waits for approval; approve with "
        "`aws deploy continue-deployment --deployment-id d-NEW --deployment-wait-type "
        "READY_WAIT`" in aws.lines
    )


def test_failure_waits_for_the_rollback_and_fails_with_codedeploys_error(aws: Aws) -> None:
    aws.group()
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW")
    aws.get(
        "d-NEW",
        "Failed",
        errorInformation=FAILED_HOOK,
        rollbackInfo={"rollbackDeploymentId": "d-BACK"},
    )
    aws.target("d-NEW", {"AfterAllowTestTraffic": "Failed"}, first=True)
    aws.poll("d-BACK", "InProgress", first=True)
    aws.poll("d-BACK", "Succeeded")
    aws.running(OLD)

    with pytest.raises(DeploymentError) as error:
        aws.releaser().release()

    assert str(error.value) == (
        "CodeDeploy deployment d-NEW Failed: [HOOK_EXECUTION_FAILURE] The deployment failed "
        "because one or more of the lifecycle event hook executions failed.\n"
        f"  release: {NEW} (not deployed)\n"
        "  rollback d-BACK: Succeeded\n"
        f"  serving: {OLD}"
    )
    assert "codedeploy d-NEW: AfterAllowTestTraffic Failed" in aws.lines
    assert "codedeploy d-NEW: waiting for rollback d-BACK" in aws.lines


def test_stopped_deployment_waits_for_the_rollback_to_be_named(aws: Aws) -> None:
    stopped = {"code": "MANUAL_STOP", "message": "The deployment was stopped by a user."}
    aws.group()
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW")
    aws.poll("d-NEW", "Stopped", first=True, errorInformation=stopped)
    # CodeDeploy names the rollback a moment after the stop.
    aws.get(
        "d-NEW",
        "Stopped",
        errorInformation=stopped,
        rollbackInfo={"rollbackDeploymentId": "d-BACK"},
    )
    aws.poll("d-BACK", "Succeeded", first=True)
    aws.running(OLD)

    with pytest.raises(DeploymentError, match=r"d-NEW Stopped: \[MANUAL_STOP\] The deployment was"):
        aws.releaser().release()

    assert aws.time.sleeps == [15]


def test_failure_without_auto_rollback_says_so(aws: Aws) -> None:
    aws.group(auto_rollback=False)
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW")
    aws.poll("d-NEW", "Failed", first=True, errorInformation=FAILED_HOOK)
    aws.running(NEW)

    with pytest.raises(DeploymentError) as error:
        aws.releaser().release()

    assert "  no rollback deployment\n" in str(error.value)
    assert str(error.value).endswith(f"serving: {NEW}")
    assert aws.time.sleeps == []


def test_timeout_stops_with_rollback_then_fails(aws: Aws) -> None:
    spec = replace(SPEC, timeout_minutes=5, poll_interval_seconds=100)
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW", spec)
    aws.get("d-NEW", "InProgress")
    # Lifecycle details are a convenience: without permission to read them, the release goes on.
    aws.codedeploy.add_client_error(
        "list_deployment_targets",
        "AccessDeniedException",
        expected_params={"deploymentId": "d-NEW"},
    )
    for _ in range(3):  # polls at 100, 200 and 300 s; the budget ends at 300 s
        aws.get("d-NEW", "InProgress")
    aws.codedeploy.add_response(
        "stop_deployment",
        {"status": "Pending", "statusMessage": "Stop requested"},
        {"deploymentId": "d-NEW", "autoRollbackEnabled": True},
    )
    aws.poll(
        "d-NEW",
        "Stopped",
        first=True,
        errorInformation={"code": "MANUAL_STOP", "message": "Stopped by request."},
        rollbackInfo={"rollbackDeploymentId": "d-BACK"},
    )
    aws.poll("d-BACK", "Succeeded", first=True)
    aws.running(OLD)

    with pytest.raises(DeploymentError) as error:
        aws.releaser(spec).release()

    assert str(error.value).startswith(
        "CodeDeploy deployment d-NEW did not finish within 5 minutes and was stopped with "
        "rollback: [MANUAL_STOP] Stopped by request.\n"
    )
    assert str(error.value).endswith(f"rollback d-BACK: Succeeded\n  serving: {OLD}")
    unavailable = "lifecycle details unavailable (AccessDeniedException); still watching"
    assert aws.lines.count(f"codedeploy d-NEW: {unavailable}") == 1
    assert "codedeploy d-NEW: not finished after 5 minutes; stopping it with rollback" in aws.lines


def test_waits_for_a_deployment_already_in_progress_then_deploys(aws: Aws) -> None:
    aws.group()
    aws.active("d-OTHER")
    aws.poll("d-OTHER", "InProgress", first=True)
    aws.poll("d-OTHER", "Succeeded")
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW")
    aws.poll("d-NEW", "Succeeded", first=True)

    outcome = aws.releaser().release()

    assert outcome.deployment_id == "d-NEW"
    assert aws.lines[0] == (
        f"codedeploy d-OTHER: already running in {APP}/{GROUP}; waiting for it to finish "
        "before releasing"
    )
    assert aws.lines.index("codedeploy d-OTHER: Succeeded") < aws.lines.index(
        f"codedeploy d-NEW: started, releasing {NEW} (budget 25 min)"
    )


def test_create_race_with_another_deployment_is_queued(aws: Aws) -> None:
    aws.group()
    aws.active()
    aws.running(OLD)
    aws.history()
    # CodeDeploy's real refusal when a deployment slipped in between our check and our request.
    aws.codedeploy.add_client_error(
        "create_deployment",
        "DeploymentLimitExceededException",
        f"The Deployment Group '{GROUP}' already has an active Deployment 'd-OTHER'",
    )
    aws.active("d-OTHER")
    aws.poll("d-OTHER", "Succeeded", first=True)
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW")
    aws.poll("d-NEW", "Succeeded", first=True)

    assert aws.releaser().release().deployment_id == "d-NEW"
    assert aws.time.sleeps == [15]
    assert (
        f"codedeploy {APP}/{GROUP}: DeploymentLimitExceededException: The Deployment Group "
        f"'{GROUP}' already has an active Deployment 'd-OTHER'; queueing behind it"
    ) in aws.lines


def test_a_foreign_deployment_that_outlives_the_budget_is_not_stopped(aws: Aws) -> None:
    spec = replace(SPEC, timeout_minutes=5, poll_interval_seconds=300)
    aws.active("d-OTHER")
    aws.poll("d-OTHER", "InProgress", first=True)
    aws.poll("d-OTHER", "InProgress")

    with pytest.raises(DeploymentError, match="d-OTHER was still running after 5 minutes"):
        aws.releaser(spec).release()


def test_first_create_starts_nothing_when_the_service_already_runs_it(aws: Aws) -> None:
    aws.group()
    aws.active()
    aws.running(NEW)

    result = aws.provider().create(_props(task_definition_arn=NEW))

    assert result.id == f"{APP}/{GROUP}"
    assert result.outs is not None
    assert result.outs["deployment_id"] is None
    assert result.outs["task_definition_arn"] == NEW
    assert result.outs["application_name"] == APP  # inputs stay in the outputs for the next diff
    assert aws.lines == [
        f"codedeploy {APP}/{GROUP}: the service already runs {NEW}; nothing to deploy"
    ]


def test_update_without_a_new_revision_keeps_the_deployment_on_record(aws: Aws) -> None:
    aws.group()
    aws.active()
    aws.running(NEW)
    olds = _props() | {"deployment_id": "d-EARLIER"}

    result = aws.provider().update(f"{APP}/{GROUP}", olds, _props(hooks={}))

    assert result.outs is not None
    assert (result.outs["deployment_id"], result.outs["hooks"]) == ("d-EARLIER", {})


def test_update_failure_raises_so_pulumi_keeps_the_old_state(aws: Aws) -> None:
    aws.group(auto_rollback=False)
    aws.active()
    aws.running(OLD)
    aws.history()
    aws.create("d-NEW")
    aws.poll("d-NEW", "Failed", first=True, errorInformation=FAILED_HOOK)
    aws.running(OLD)

    with pytest.raises(DeploymentError, match=r"^CodeDeploy deployment d-NEW Failed") as error:
        aws.provider().update(f"{APP}/{GROUP}", _props(task_definition_arn=OLD), _props())

    # Raised afresh without our frames, so the provider host's traceback stays short.
    assert error.value.__cause__ is None
    assert error.value.__suppress_context__


def test_delete_stops_every_running_deployment_and_waits_for_a_late_rollback(aws: Aws) -> None:
    aws.active("d-OURS", "d-MANUAL", "d-BACK0")
    aws.get("d-OURS", "InProgress", description=f"Release {NEW} {DESCRIPTION_MARKER}")
    aws.codedeploy.add_response(
        "stop_deployment",
        {"status": "Pending", "statusMessage": "Stop requested"},
        {"deploymentId": "d-OURS", "autoRollbackEnabled": True},
    )
    aws.poll("d-OURS", "Stopped", first=True)
    # CodeDeploy names the rollback a poll later, as on the release path.
    aws.get("d-OURS", "Stopped", rollbackInfo={"rollbackDeploymentId": "d-BACK"})
    aws.poll("d-BACK", "Succeeded", first=True)
    # Not ours, but the service is going away: stopped too.
    aws.get("d-MANUAL", "InProgress", description="hotfix by hand")
    aws.codedeploy.add_response(
        "stop_deployment",
        {"status": "Pending", "statusMessage": "Stop requested"},
        {"deploymentId": "d-MANUAL", "autoRollbackEnabled": True},
    )
    aws.poll("d-MANUAL", "Stopped", first=True, rollbackInfo={"rollbackMessage": "none"})
    for _ in range(4):  # the grace for a rollback to be named: 60 s at 15 s
        aws.get("d-MANUAL", "Stopped", rollbackInfo={"rollbackMessage": "none"})
    # A rollback already running is waited for, never stopped.
    aws.get("d-BACK0", "InProgress", creator="codeDeployRollback")
    aws.poll("d-BACK0", "Succeeded", first=True)

    aws.provider().delete(f"{APP}/{GROUP}", _props(timeout_minutes=30))

    assert aws.lines[-1] == (
        f"codedeploy {APP}/{GROUP}: stopped before delete: d-OURS Stopped, rollback d-BACK: "
        "Succeeded; d-MANUAL Stopped, no rollback deployment (none)"
    )


def test_delete_of_an_already_deleted_group_is_a_no_op(aws: Aws) -> None:
    aws.codedeploy.add_client_error("list_deployments", "DeploymentGroupDoesNotExistException")

    aws.provider().delete(f"{APP}/{GROUP}", _props())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"task_definition_arn": NEW}, True),
        ({"hooks": {}}, True),
        ({"container_port": 8080}, True),
        ({"platform_version": "1.4.0"}, True),
        ({"subnets": ["subnet-c"], "security_groups": ["sg-1"]}, True),
        ({"assign_public_ip": False}, True),
        ({"subnets": ["subnet-b", "subnet-a"]}, False),  # order means nothing
        ({"timeout_minutes": 90, "poll_interval_seconds": 30}, False),
        ({"release_retry": "2", "override_alarms": "INC-1", "wait_for_completion": True}, False),
        ({"container_port": 3000.0}, False),  # numbers come back from state as floats
    ],
)
def test_diff_updates_on_release_inputs_and_never_replaces(
    aws: Aws, change: dict[str, Any], expected: bool
) -> None:
    network = {"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"]}
    olds = _props(task_definition_arn=OLD, **network, assign_public_ip=True) | {
        "deployment_id": "d-1",
        "__provider": "x",
    }
    news = olds | change | {"__provider": "y"}
    if not expected:
        # No input changed: the diff looks at what serves, which matches the state.
        aws.ecs.add_response(
            "describe_services",
            {
                "services": [
                    {
                        "serviceName": SERVICE,
                        "taskSets": [
                            {
                                "status": "PRIMARY",
                                "taskDefinition": OLD,
                                "networkConfiguration": {
                                    "awsvpcConfiguration": {
                                        "subnets": ["subnet-b", "subnet-a"],
                                        "securityGroups": ["sg-1"],
                                        "assignPublicIp": "ENABLED",
                                    }
                                },
                            }
                        ],
                    }
                ]
            },
            {"cluster": CLUSTER, "services": [SERVICE]},
        )
        aws.get("d-1", "Succeeded")

    diff = aws.provider().diff(f"{APP}/{GROUP}", olds, news)

    assert diff.changes is expected
    assert diff.replaces == []


def test_timeout_formula_uses_the_groups_waits_and_the_traffic_shift(aws: Aws) -> None:
    aws.group(config="web-linear-20-every-2", ready_wait=30, termination_wait=10)
    aws.codedeploy.add_response(
        "get_deployment_config",
        {
            "deploymentConfigInfo": {
                "deploymentConfigName": "web-linear-20-every-2",
                "computePlatform": "ECS",
                "trafficRoutingConfig": {
                    "type": "TimeBasedLinear",
                    "timeBasedLinear": {"linearPercentage": 20, "linearInterval": 2},
                },
            }
        },
        {"deploymentConfigName": "web-linear-20-every-2"},
    )

    # 30 ready + (5 - 1) x 2 shift + 10 termination + 15 margin + 5 for the one hook
    assert aws.releaser().timeout_minutes() == 30 + 8 + 10 + 15 + 5


@pytest.mark.parametrize(
    ("config", "minutes"),
    [
        ("CodeDeployDefault.ECSAllAtOnce", 0),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", 9),
        ("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", 27),
        ("CodeDeployDefault.ECSCanary10Percent5Minutes", 5),
        ("CodeDeployDefault.ECSCanary10Percent15Minutes", 15),
    ],
)
def test_predefined_configs_need_no_api_call(config: str, minutes: int) -> None:
    assert traffic_shift_minutes(PREDEFINED_TRAFFIC_ROUTING[config]) == minutes
    assert derive_timeout_minutes({}, PREDEFINED_TRAFFIC_ROUTING[config], 0) == minutes + 15


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hooks": {"AfterTraffic": GATE}}, "'AfterTraffic' is not an ECS lifecycle event"),
        ({"container_port": 0}, "container_port: 0 is outside 1..65535"),
        ({"platform_version": "latest"}, "platform_version: 'latest' is not LATEST"),
        ({"timeout_minutes": 1}, "timeout_minutes: 1 is outside 5..8640"),
        ({"poll_interval_seconds": 0}, "poll_interval_seconds: 0 is outside 1..300"),
    ],
)
def test_bad_args_are_rejected_naming_the_setting(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CodeDeployDeploymentArgs(**(_args() | change))


def test_registers_under_mocks_with_a_provider_that_loads_in_a_fresh_process() -> None:
    def program() -> None:
        CodeDeployDeployment("web-release", CodeDeployDeploymentArgs(**_args()))

    run = run_program(program, config={})

    release = run.one("pulumi-python:dynamic:Resource", "web-release")
    inputs = release.inputs
    assert {key: inputs[key] for key in ("application_name", "task_definition_arn", "region")} == {
        "application_name": APP,
        "task_definition_arn": NEW,
        "region": REGION,
    }
    assert inputs["hooks"] == {"AfterAllowTestTraffic": GATE}
    assert inputs["container_port"] == 3000
    provider = inputs["__provider"]
    assert isinstance(provider, str)
    assert provider
    # The provider process (`python -m pulumi.dynamic`, started in the project directory) must
    # be able to load it: classes are stored by reference to this importable module.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import base64, json, sys, dill; "
            "p = dill.loads(base64.b64decode(sys.stdin.read())); "
            "print(json.dumps([type(p).__module__, type(p).__qualname__, vars(p)]))",
        ],
        input=provider,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        check=True,
        timeout=60,
    )
    module, qualname, state = json.loads(loaded.stdout)
    assert (module, qualname) == (
        "components.release.codedeploy.release",
        "CodeDeployDeploymentProvider",
    )
    # No clients, clocks or loggers travel in the state: the defaults are built at call time.
    assert state == {"_clients": None, "_sleep": None, "_clock": None, "_log": None}
    assert len(base64.b64decode(provider)) < 2000  # a reference, not pickled code


def test_moto_no_op_create_then_real_create_deployment_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        ecs = boto3.client("ecs", region_name=REGION)
        codedeploy = boto3.client("codedeploy", region_name=REGION)
        ecs.create_cluster(clusterName=CLUSTER)
        registered = ecs.register_task_definition(
            family="web",
            containerDefinitions=[{"name": "web", "image": "nginx", "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=CLUSTER,
            serviceName=SERVICE,
            taskDefinition=registered,
            desiredCount=1,
            deploymentController={"type": "CODE_DEPLOY"},
        )
        codedeploy.create_application(applicationName=APP, computePlatform="ECS")
        codedeploy.create_deployment_group(
            applicationName=APP,
            deploymentGroupName=GROUP,
            deploymentConfigName="CodeDeployDefault.ECSAllAtOnce",
            serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy",
            deploymentStyle={
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            },
            ecsServices=[{"serviceName": SERVICE, "clusterName": CLUSTER}],
        )
        lines: list[str] = []
        provider = CodeDeployDeploymentProvider(log=lines.append)

        created = provider.create(_props(task_definition_arn=registered))

        assert created.outs is not None
        assert created.outs["deployment_id"] is None
        listed = codedeploy.list_deployments(applicationName=APP, deploymentGroupName=GROUP)
        assert listed["deployments"] == []

        releaser = provider.releaser(_props(task_definition_arn=NEW))
        assert releaser.running_task_definition() == registered
        deployment_id = releaser.start_deployment()

        info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        assert info["revision"] == SPEC.revision()
        assert DESCRIPTION_MARKER in info["description"]
        assert releaser.active_deployment_ids() == [deployment_id]


def _args() -> dict[str, Any]:
    return {
        "application_name": APP,
        "deployment_group_name": GROUP,
        "cluster_name": CLUSTER,
        "service_name": SERVICE,
        "task_definition_arn": NEW,
        "container_name": "web",
        "container_port": 3000,
        "region": REGION,
        "hooks": {"AfterAllowTestTraffic": GATE},
    }


def _props(**change: Any) -> dict[str, Any]:
    """Props as the provider receives them from the engine."""
    return (
        _args()
        | {"platform_version": None, "timeout_minutes": None, "poll_interval_seconds": 15}
        | change
    )


def test_provider_pickled_before_the_move_still_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    # The state of a stack released before components/release/ existed names the old module;
    # the engine unpickles it to delete or read the resource.
    import dill  # noqa: PLC0415 (only this test needs it)

    monkeypatch.setattr(
        CodeDeployDeploymentProvider, "__module__", "components.codedeploy_deployment"
    )
    old = dill.dumps(CodeDeployDeploymentProvider())
    assert b"components.codedeploy_deployment" in old
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import base64, sys, dill; "
            "p = dill.loads(base64.b64decode(sys.stdin.read())); "
            "print(type(p).__module__, type(p).__qualname__)",
        ],
        input=base64.b64encode(old).decode(),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        check=True,
        timeout=60,
    )
    assert loaded.stdout.split() == [
        "components.release.codedeploy.release",
        "CodeDeployDeploymentProvider",
    ]


def test_a_network_or_port_change_alone_is_a_release() -> None:
    spec = replace(SPEC, subnets=("subnet-a",), security_groups=("sg-1",), assign_public_ip=False)
    serving = Serving(
        task_definition_arn=NEW,
        container_port=3000,
        subnets=("subnet-a",),
        security_groups=("sg-1",),
        assign_public_ip=False,
    )
    assert spec.differences(serving) == []
    moved = replace(serving, subnets=("subnet-old",), assign_public_ip=True)
    assert spec.differences(moved) == [
        "network subnets ['subnet-old'] -> ['subnet-a'], security groups ['sg-1'] -> ['sg-1'], "
        "public IP True -> False"
    ]
    assert spec.differences(replace(serving, container_port=8000)) == [
        "container port 8000 -> 3000"
    ]
    revision = json.loads(spec.revision()["appSpecContent"]["content"])
    network = revision["Resources"][0]["TargetService"]["Properties"]["NetworkConfiguration"]
    assert network["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
