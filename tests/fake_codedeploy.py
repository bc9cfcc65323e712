"""A time-driven fake of CodeDeploy and ECS behind REAL botocore clients.

The clients are ordinary botocore clients: they build, validate, sign and retry requests, and
parse responses, with botocore's own standard retry mode. Only the HTTP exchange is replaced: a
`before-send` handler answers each signed request from a small model of one deployment group,
driven by a fake clock. botocore's retry backoff sleeps on the same clock
(`botocore.endpoint.time` is swapped by the fixture), so a release of an hour runs in
milliseconds.

Faults are windows on the clock: throttling (HTTP 400 ThrottlingException, a code in
CodeDeploy's model), connection outages (`EndpointConnectionError`, raised where the HTTP
session would raise it), errors on the progress-detail calls only, and `Fault`s of one
operation (throttling, or a 5xx page from the front door with no error code of its own).

A deployment's timeline, in seconds after CreateDeployment (defaults):
  5 InProgress; 60 test traffic checked; 120 AllowTraffic (production on green, PRIMARY task set
  swapped); 130 AfterAllowTraffic, the termination wait starts; +termination wait Succeeded.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

REGION = "eu-west-1"
APP = "web-app"
GROUP = "web-group"
CLUSTER = "web-cluster"
SERVICE = "web-service"
BLUE_TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/1"
GREEN_TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/2"
EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")
#: One session for all fakes: it caches the parsed service models.
_SESSION = botocore.session.get_session()


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


@dataclass(frozen=True)
class Fault:
    """`operation` answers `status` from `start` to `end` (clock seconds): with `code` as a JSON
    error, or, when `code` is None, with an HTML page as a front door answers a 5xx (botocore
    then names the error after the status)."""

    operation: str
    start: float
    end: float
    status: int = 400
    code: str | None = "ThrottlingException"


@dataclass
class Deployment:
    id: str
    created: float
    content: dict[str, Any]
    description: str = ""
    creator: str = "user"
    override_alarms: dict[str, Any] | None = None
    task_definition: str = ""
    traffic_at: float = 120
    termination_wait: float = 300
    fail_at: float | None = None
    error: dict[str, str] | None = None
    ended_at: float | None = None
    status_at_end: str | None = None
    rollback_id: str | None = None
    rollback_named_after: float = 20
    previous_task_definition: str = ""
    served: bool = False
    leaves_wait_on_continue: bool = False
    """Its termination wait closes on its own as a ContinueDeployment arrives: CodeDeploy
    refuses the request (not in the wait any more) and the deployment succeeds moments later."""

    def status(self, t: float) -> str:
        if self.ended_at is not None and t >= self.ended_at:
            return self.status_at_end or "Succeeded"
        return "InProgress" if t - self.created >= 5 else "Created"


@dataclass
class FakeAws:
    """One deployment group and its ECS service, moved by a clock only `sleep` advances."""

    serving: str
    termination_wait_minutes: int = 5
    now: float = 0.0
    deployments: dict[str, Deployment] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    throttled: list[tuple[float, float]] = field(default_factory=list)
    outages: list[tuple[float, float]] = field(default_factory=list)
    detail_outages: list[tuple[float, float]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    ends_as_stop_arrives: bool = False
    """A deployment ends on its own (Succeeded) just as a StopDeployment for it arrives:
    CodeDeploy answers DeploymentAlreadyCompletedException."""
    slip_in_on_create: Deployment | None = None
    serving_deployment: str | None = None
    serving_target_group: str = BLUE_TG
    requests: list[tuple[float, str, str, dict[str, Any]]] = field(default_factory=list)
    """(time, operation, access key id, body) of every request that reached the fake."""

    # --- time ------------------------------------------------------------------------------

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def tick(self) -> None:
        """Applies what the timeline says has happened by now."""
        for deployment in list(self.deployments.values()):
            t = self.now - deployment.created
            if deployment.ended_at is not None:
                named = deployment.ended_at + deployment.rollback_named_after
                rollback = deployment.rollback_id
                if rollback and rollback not in self.deployments and self.now >= named:
                    self._start_rollback(deployment)
                continue
            if deployment.fail_at is not None and t >= deployment.fail_at:
                self._end(deployment, "Failed", deployment.created + deployment.fail_at)
                continue
            if t >= deployment.traffic_at and not deployment.served:
                self._serve(deployment)
            if t >= deployment.traffic_at + 10 + deployment.termination_wait:
                self._end(deployment, "Succeeded", self.now)

    def _serve(self, deployment: Deployment) -> None:
        deployment.served = True
        deployment.previous_task_definition = self.serving
        self.serving = deployment.task_definition
        self.serving_deployment = deployment.id
        self.serving_target_group = GREEN_TG if self.serving_target_group == BLUE_TG else BLUE_TG

    def _end(self, deployment: Deployment, status: str, at: float) -> None:
        deployment.ended_at = at
        deployment.status_at_end = status
        if status != "Succeeded" and deployment.creator != "codeDeployRollback":
            deployment.rollback_id = f"{deployment.id}-RB"

    def _start_rollback(self, deployment: Deployment) -> None:
        rollback = Deployment(
            id=str(deployment.rollback_id),
            created=self.now,
            content=deployment.content,
            creator="codeDeployRollback",
            task_definition=deployment.previous_task_definition or self.serving,
        )
        rollback.ended_at = self.now + 60
        rollback.status_at_end = "Succeeded"
        self.deployments[rollback.id] = rollback
        self.order.append(rollback.id)
        if deployment.previous_task_definition:
            self.serving = deployment.previous_task_definition
            self.serving_deployment = rollback.id

    def add(self, deployment: Deployment) -> Deployment:
        self.deployments[deployment.id] = deployment
        self.order.append(deployment.id)
        return deployment

    def alarm_stops(self, deployment_id: str) -> None:
        """An alarm fires during the termination wait: stopped, rolled back."""
        deployment = self.deployments[deployment_id]
        deployment.error = {"code": "ALARM_ACTIVE", "message": "web-green-5xx is in ALARM"}
        self._end(deployment, "Stopped", self.now)

    # --- clients ---------------------------------------------------------------------------

    def clients(self, session: botocore.session.Session | None = None) -> dict[str, Any]:
        session = session or _SESSION
        built = {}
        for service in ("codedeploy", "ecs"):
            kwargs: dict[str, Any] = {}
            if session.get_credentials() is None:
                kwargs = {"aws_access_key_id": "AKIDBASE", "aws_secret_access_key": "secret"}
            client = session.create_client(
                service,
                region_name=REGION,
                config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 10}),
                **kwargs,
            )
            client.meta.events.register("before-send", self.answer)
            built[service] = client
        return built

    @staticmethod
    def patch_backoff(monkeypatch: Any, fake: FakeAws) -> None:
        """botocore's retry backoff sleeps on the fake clock."""
        monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=fake.sleep))

    def answer(self, request: Any, **_: Any) -> AWSResponse:
        self.tick()
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        operation = target.rsplit(".", 1)[-1]
        body = json.loads(request.body or b"{}")
        found = _CREDENTIAL.search(str(request.headers.get("Authorization", b""), "utf-8"))
        self.requests.append((self.now, operation, found.group(1) if found else "", body))
        if any(start <= self.now < end for start, end in self.outages):
            raise EndpointConnectionError(endpoint_url=request.url)
        detail = operation in ("ListDeploymentTargets", "GetDeploymentTarget")
        if detail and any(start <= self.now < end for start, end in self.detail_outages):
            raise EndpointConnectionError(endpoint_url=request.url)
        if any(start <= self.now < end for start, end in self.throttled):
            return self._respond(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
        for fault in self.faults:
            if fault.operation == operation and fault.start <= self.now < fault.end:
                return self._fault(fault)
        handler = getattr(self, f"_{operation}")
        status, payload = handler(body)
        return self._respond(status, payload)

    def _respond(self, status: int, payload: dict[str, Any]) -> AWSResponse:
        headers = {"x-amzn-RequestId": "fake", "Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse("https://fake", status, headers, _Raw(json.dumps(payload).encode()))

    def _fault(self, fault: Fault) -> AWSResponse:
        if fault.code is not None:
            return self._respond(fault.status, {"__type": fault.code, "message": "Rate exceeded"})
        page = f"<html><body><h1>{fault.status}</h1></body></html>".encode()
        return AWSResponse("https://fake", fault.status, {"Content-Type": "text/html"}, _Raw(page))

    # --- CodeDeploy ------------------------------------------------------------------------

    def _info(self, deployment: Deployment) -> dict[str, Any]:
        info: dict[str, Any] = {
            "deploymentId": deployment.id,
            "applicationName": APP,
            "deploymentGroupName": GROUP,
            "status": deployment.status(self.now),
            "creator": deployment.creator,
            "description": deployment.description,
            "createTime": deployment.created + 1_800_000_000,
            "revision": {"revisionType": "AppSpecContent", "appSpecContent": deployment.content},
        }
        if info["status"] in ("Failed", "Stopped"):
            info["errorInformation"] = deployment.error or {
                "code": "HOOK_EXECUTION_FAILURE",
                "message": "One or more lifecycle event hook executions failed.",
            }
        if deployment.rollback_id and deployment.rollback_id in self.deployments:
            info["rollbackInfo"] = {"rollbackDeploymentId": deployment.rollback_id}
        if deployment.override_alarms is not None:
            info["overrideAlarmConfiguration"] = deployment.override_alarms
        return info

    def _GetDeploymentGroup(self, _: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        return 200, {
            "deploymentGroupInfo": {
                "applicationName": APP,
                "deploymentGroupName": GROUP,
                "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
                "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
                "blueGreenDeploymentConfiguration": {
                    "terminateBlueInstancesOnDeploymentSuccess": {
                        "action": "TERMINATE",
                        "terminationWaitTimeInMinutes": self.termination_wait_minutes,
                    }
                },
            }
        }

    def _ListDeployments(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        statuses = body.get("includeOnlyStatuses")
        ids = [
            d
            for d in reversed(self.order)
            if statuses is None or self.deployments[d].status(self.now) in statuses
        ]
        return 200, {"deployments": ids}

    def _BatchGetDeployments(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        return 200, {
            "deploymentsInfo": [self._info(self.deployments[d]) for d in body["deploymentIds"]]
        }

    def _GetDeployment(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        return 200, {"deploymentInfo": self._info(self.deployments[body["deploymentId"]])}

    def _CreateDeployment(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        if self.slip_in_on_create is not None:
            other = self.add(self.slip_in_on_create)
            other.created = self.now
            self.slip_in_on_create = None
        busy = [d for d in self.deployments.values() if d.status(self.now) not in TERMINAL]
        if busy:
            return 400, {
                "__type": "DeploymentLimitExceededException",
                "message": f"The Deployment Group '{GROUP}' already has an active Deployment "
                f"'{busy[0].id}'",
            }
        content = body["revision"]["appSpecContent"]
        spec = json.loads(content["content"])
        deployment = self.add(
            Deployment(
                id=f"d-{len(self.order) + 1:04d}",
                created=self.now,
                content=content,
                description=body.get("description", ""),
                override_alarms=body.get("overrideAlarmConfiguration"),
                task_definition=spec["Resources"][0]["TargetService"]["Properties"][
                    "TaskDefinition"
                ],
                termination_wait=self.termination_wait_minutes * 60,
            )
        )
        return 200, {"deploymentId": deployment.id}

    def _ListDeploymentTargets(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        return 200, {"targetIds": [f"{CLUSTER}:{SERVICE}"]}

    def _GetDeploymentTarget(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        deployment = self.deployments[body["deploymentId"]]
        t = self.now - deployment.created
        done = {
            "AllowTraffic": t >= deployment.traffic_at,
            "AfterAllowTraffic": t >= deployment.traffic_at + 10,
        }
        events = [
            {
                "lifecycleEventName": name,
                "status": "Succeeded" if done.get(name, t >= 60) else "Pending",
            }
            for name in EVENTS
        ]
        green = 100.0 if done["AllowTraffic"] else 0.0
        return 200, {
            "deploymentTarget": {
                "deploymentTargetType": "ECSTarget",
                "ecsTarget": {
                    "deploymentId": deployment.id,
                    "targetId": body["targetId"],
                    "lifecycleEvents": events,
                    "taskSetsInfo": [
                        {"taskSetLabel": "Blue", "trafficWeight": 100.0 - green},
                        {"taskSetLabel": "Green", "trafficWeight": green},
                    ],
                },
            }
        }

    def _StopDeployment(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        deployment = self.deployments[body["deploymentId"]]
        if self.ends_as_stop_arrives and deployment.ended_at is None:
            self._end(deployment, "Succeeded", self.now)
        if deployment.ended_at is not None:
            return 400, {"__type": "DeploymentAlreadyCompletedException", "message": "done"}
        deployment.error = {"code": "MANUAL_STOP", "message": "Stopped by request."}
        self._end(deployment, "Stopped", self.now + 5)
        return 200, {"status": "Pending", "statusMessage": "Stop requested"}

    def _ContinueDeployment(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        deployment = self.deployments[body["deploymentId"]]
        if deployment.ended_at is not None:
            return 400, {"__type": "DeploymentAlreadyCompletedException", "message": "done"}
        assert body["deploymentWaitType"] == "TERMINATION_WAIT"
        self._end(deployment, "Succeeded", self.now + 5)
        if deployment.leaves_wait_on_continue:
            return 400, {
                "__type": "DeploymentIsNotInReadyStateException",
                "message": f"The deployment {deployment.id} is not in the termination wait",
            }
        return 200, {}

    # --- ECS -------------------------------------------------------------------------------

    def _DescribeServices(self, _: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        primary: dict[str, Any] = {
            "status": "PRIMARY",
            "taskDefinition": self.serving,
            "loadBalancers": [
                {
                    "targetGroupArn": self.serving_target_group,
                    "containerName": "web",
                    "containerPort": 3000,
                }
            ],
        }
        if self.serving_deployment:
            primary["externalId"] = self.serving_deployment
        return 200, {"services": [{"serviceName": SERVICE, "taskSets": [primary]}], "failures": []}


TERMINAL = frozenset({"Succeeded", "Failed", "Stopped"})
