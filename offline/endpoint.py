"""A local CodeDeploy/ECS endpoint for offline releases, with time compressed.

The release resource's botocore clients reach it through the endpoint settings botocore reads
from the environment (`AWS_ENDPOINT_URL_CODEDEPLOY`, `AWS_ENDPOINT_URL_ECS`: botocore's
"service-specific endpoints" configuration). Behind a loopback HTTP server, the requests are
answered by the deployment-group model the tests use (`tests/fake_codedeploy.FakeAws`: one
group and its service; a deployment goes InProgress, shifts traffic at 120 s, waits out the
termination wait, succeeds), on a clock that runs `factor` times faster than the wall clock
(default 60: a minute per second). With `fail=True` every new deployment fails at its test
hooks and CodeDeploy's automatic rollback follows, as a broken release does.

What serves (the PRIMARY task set's task definition and target group) is kept in a JSON file
between runs, so a second `pulumi up` or `preview` sees what the first one released. Not
modelled: more than one deployment group per endpoint (the last one asked about is the one),
alarms, lifecycle hooks' Lambdas, traffic to tasks, and ECS-native deployments' stages: asked
for a service's deployments, ECS answers with one that this run started and that has already
ended, SUCCESSFUL (ROLLBACK_SUCCESSFUL with `fail=True`). The ECS controller's check asks only
after a change that starts a deployment (ECS developer guide, "View service history using Amazon
ECS service deployments": a deployment per creation and per update that needs one), so that
answer is what a real ECS would list once the provider's wait for steady state has returned.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fake_codedeploy import BLUE_TG, Deployment, FakeAws

#: The env settings botocore reads for each service's endpoint.
ENDPOINT_SETTINGS = ("AWS_ENDPOINT_URL_CODEDEPLOY", "AWS_ENDPOINT_URL_ECS")


class _Request:
    """What `FakeAws.answer` reads of a botocore request."""

    def __init__(self, headers: Any, body: bytes, url: str) -> None:
        # botocore's headers are bytes; FakeAws decodes them.
        self.headers = {k: str(v).encode() for k, v in headers.items()}
        self.body = body
        self.url = url


class Endpoint:
    """The fake behind a loopback HTTP server; `start()` returns the URL."""

    def __init__(self, state_file: Path, *, factor: float = 60.0, fail: bool = False) -> None:
        self.state_file = state_file
        self.factor = factor
        self.fail = fail
        saved = json.loads(state_file.read_text()) if state_file.exists() else {}
        self.fake = FakeAws(serving=saved.get("serving", ""), termination_wait_minutes=5)
        self.fake.serving_target_group = saved.get("target_group", BLUE_TG)
        self.fake.serving_deployment = saved.get("deployment")
        # Earlier runs' deployments, ended as they were going to end (see _save).
        for record in saved.get("history", []):
            self.fake.add(_ended(record))
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    status, payload = endpoint.answer(self.headers, body)
                except Exception as error:  # an answer the model lacks is a service error
                    status = 500
                    failure = {"__type": "InternalFailure", "message": f"offline: {error!r}"}
                    payload = json.dumps(failure).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-RequestId", "offline")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def answer(self, headers: Any, body: bytes) -> tuple[int, bytes]:
        with self.lock:
            self.fake.now = (time.monotonic() - self.started) * self.factor
            request = _Request(headers, body, "http://offline")
            if request.headers.get("X-Amz-Target", b"").endswith(b".ListServiceDeployments"):
                return 200, json.dumps(self._ecs_deployments(json.loads(body))).encode()
            if request.headers.get("X-Amz-Target", b"").endswith(b".ListServices"):
                # Services live in the modelled aws provider, not here. The one caller, the
                # first-run marker (components/release/ecs/first_run.py), asks only when it is
                # created, before the service it marks: none exists yet.
                return 200, json.dumps({"serviceArns": []}).encode()
            self._prepare(request)
            response = self.fake.answer(request)
            self._save()
            payload = response.content
            if request.headers.get("X-Amz-Target", b"").endswith(b".DescribeServices"):
                payload = self._with_appspec(payload)
            return response.status_code, payload

    def _ecs_deployments(self, request: dict[str, Any]) -> dict[str, Any]:
        """One ended deployment of the asked service, created by this run (see the docstring)."""
        cluster, service = request.get("cluster", "cluster"), request.get("service", "service")
        status = "ROLLBACK_SUCCESSFUL" if self.fail else "SUCCESSFUL"
        deployment = {
            "serviceDeploymentArn": "arn:aws:ecs:eu-west-1:123456789012:service-deployment/"
            f"{cluster}/{service}/offline{int(self.started)}",
            "clusterArn": f"arn:aws:ecs:eu-west-1:123456789012:cluster/{cluster}",
            "serviceArn": f"arn:aws:ecs:eu-west-1:123456789012:service/{cluster}/{service}",
            "status": status,
            "createdAt": time.time(),
        }
        if self.fail:
            deployment["statusReason"] = "offline: the endpoint fails every release"
        return {"serviceDeployments": [deployment]}

    def _with_appspec(self, payload: bytes) -> bytes:
        """The PRIMARY task set as CodeDeploy leaves it: the network and container the serving
        deployment's AppSpec named (FakeAws reports the task definition only)."""
        document = json.loads(payload)
        serving = self.fake.deployments.get(self.fake.serving_deployment or "")
        if serving is None or not serving.content.get("content"):
            return payload
        spec = json.loads(serving.content["content"])
        properties = spec["Resources"][0]["TargetService"]["Properties"]
        balancer = properties.get("LoadBalancerInfo") or {}
        network = (properties.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration")
        for task_set in document["services"][0]["taskSets"]:
            if task_set["status"] != "PRIMARY":
                continue
            for entry in task_set.get("loadBalancers", []):
                entry["containerName"] = balancer.get("ContainerName", entry["containerName"])
                entry["containerPort"] = balancer.get("ContainerPort", entry["containerPort"])
            if network:
                task_set["networkConfiguration"] = {
                    "awsvpcConfiguration": {
                        "subnets": network.get("Subnets", []),
                        "securityGroups": network.get("SecurityGroups", []),
                        "assignPublicIp": network.get("AssignPublicIp", "DISABLED"),
                    }
                }
        return json.dumps(document).encode()

    def _prepare(self, request: _Request) -> None:
        """A failing endpoint fails each new deployment at its test hooks."""
        target = request.headers.get("X-Amz-Target", b"").decode()
        if self.fail and target.endswith(".CreateDeployment"):
            original = self.fake.add

            def failing(deployment: Deployment) -> Deployment:
                deployment.fail_at = 60
                deployment.error = {
                    "code": "HOOK_EXECUTION_FAILURE",
                    "message": "the test gate found errors on the test listener",
                }
                self.fake.add = original  # type: ignore[method-assign]
                return original(deployment)

            self.fake.add = failing  # type: ignore[method-assign]

    def _save(self) -> None:
        history = [
            {
                "id": d.id,
                "status": _final_status(d),
                "creator": d.creator,
                "task_definition": d.task_definition,
                "content": d.content,
                "error": d.error,
                "rollback_id": d.rollback_id,
            }
            for d in (self.fake.deployments[i] for i in self.fake.order)
        ]
        self.state_file.write_text(
            json.dumps(
                {
                    "serving": self.fake.serving,
                    "target_group": self.fake.serving_target_group,
                    "deployment": self.fake.serving_deployment,
                    "history": history,
                }
            )
        )

    def start(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _final_status(deployment: Deployment) -> str:
    """How a deployment ends. CodeDeploy carries on with nobody watching: one still running when
    its run stopped (`pulumi up` returns when users are on green, in the termination wait) ends
    as it was going to: failed at its hooks when set to fail, else succeeded after the wait."""
    if deployment.ended_at is not None:
        return deployment.status_at_end or "Succeeded"
    return "Failed" if deployment.fail_at is not None else "Succeeded"


def _ended(record: dict[str, Any]) -> Deployment:
    deployment = Deployment(
        id=record["id"],
        created=-7200,
        content=record.get("content") or {},
        creator=record.get("creator") or "user",
        task_definition=record.get("task_definition") or "",
        error=record.get("error"),
    )
    deployment.ended_at = -3600
    deployment.status_at_end = record["status"]
    deployment.rollback_id = record.get("rollback_id")
    return deployment
