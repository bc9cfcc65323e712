"""The gate half of the test-traffic gate: CodeDeploy's AfterAllowTestTraffic hook.

Runs OUTSIDE any VPC, so it reaches the AWS APIs without a NAT gateway. For one hook execution
it finds the ALB's private addresses (its network interfaces carry the description
`ELB app/<name>/<id>`), invokes the in-VPC probe function synchronously to request the test
paths through the test listener, and reports Succeeded or Failed to CodeDeploy.

It always reports: any exception (bad settings, no addresses, probe crash or timeout) becomes
Failed, so a broken gate fails the release in seconds instead of leaving the hook pending for
CodeDeploy's one-hour hook timeout.

Settings come from the environment, set by `components.test_traffic_gate`:
PROBE_FUNCTION, PROBE_TIMEOUT_SECONDS, LOAD_BALANCER_ARN, TEST_LISTENER_PORT, PATHS (JSON list),
ATTEMPTS, INTERVAL_SECONDS, TIMEOUT_SECONDS.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config


class GateError(Exception):
    """The gate could not run its check; reported to CodeDeploy as Failed."""


@dataclass(frozen=True)
class Settings:
    probe_function: str
    probe_timeout_seconds: int
    load_balancer_arn: str
    test_listener_port: int
    paths: Sequence[str]
    attempts: int
    interval_seconds: float
    timeout_seconds: float

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            probe_function=env["PROBE_FUNCTION"],
            probe_timeout_seconds=int(env["PROBE_TIMEOUT_SECONDS"]),
            load_balancer_arn=env["LOAD_BALANCER_ARN"],
            test_listener_port=int(env["TEST_LISTENER_PORT"]),
            paths=list(json.loads(env["PATHS"])),
            attempts=int(env["ATTEMPTS"]),
            interval_seconds=float(env["INTERVAL_SECONDS"]),
            timeout_seconds=float(env["TIMEOUT_SECONDS"]),
        )

    def probe_event(self, targets: Sequence[str]) -> dict[str, Any]:
        return {
            "targets": list(targets),
            "port": self.test_listener_port,
            "paths": list(self.paths),
            "attempts": self.attempts,
            "interval_seconds": self.interval_seconds,
            "timeout_seconds": self.timeout_seconds,
        }


def eni_description(load_balancer_arn: str) -> str:
    """`ELB app/<name>/<id>`, the description AWS gives an ALB's network interfaces."""
    _, found, resource = load_balancer_arn.partition(":loadbalancer/")
    if not found or not resource.startswith("app/"):
        raise GateError(f"{load_balancer_arn!r} is not an Application Load Balancer ARN")
    return f"ELB {resource}"


def alb_private_ips(ec2: Any, load_balancer_arn: str) -> list[str]:
    """The private IPv4 address of each of the ALB's network interfaces (one per node)."""
    pages = ec2.get_paginator("describe_network_interfaces").paginate(
        Filters=[{"Name": "description", "Values": [eni_description(load_balancer_arn)]}]
    )
    return sorted(
        interface["PrivateIpAddress"]
        for page in pages
        for interface in page["NetworkInterfaces"]
        if interface.get("PrivateIpAddress")
    )


def invoke_probe(lambda_client: Any, function: str, event: Mapping[str, Any]) -> dict[str, Any]:
    response = lambda_client.invoke(
        FunctionName=function,
        InvocationType="RequestResponse",
        Payload=json.dumps(event).encode(),
    )
    body = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        detail = body if not isinstance(body, dict) else body.get("errorMessage", body)
        raise GateError(f"probe {function} failed ({response['FunctionError']}): {detail}")
    if not isinstance(body, dict):
        raise GateError(f"probe {function} returned {body!r}, not a result")
    return body


def check_test_traffic(settings: Settings, *, ec2: Any, lambda_client: Any) -> dict[str, Any]:
    """Asks the probe to check green through the test listener on every ALB address."""
    targets = alb_private_ips(ec2, settings.load_balancer_arn)
    if not targets:
        raise GateError(
            f"no network interfaces described {eni_description(settings.load_balancer_arn)!r}"
        )
    return invoke_probe(lambda_client, settings.probe_function, settings.probe_event(targets))


def run_gate(
    event: Mapping[str, Any], *, codedeploy: Any, check: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Runs `check` and reports its verdict for this hook execution, whatever happens."""
    deployment_id = event["DeploymentId"]
    hook_execution_id = event["LifecycleEventHookExecutionId"]
    try:
        result = check()
        status = "Succeeded" if result.get("passed") is True else "Failed"
    except Exception as error:  # every failure must become a Failed report
        traceback.print_exc()
        result = {"passed": False, "error": f"{type(error).__name__}: {error}"}
        status = "Failed"
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id,
        lifecycleEventHookExecutionId=hook_execution_id,
        status=status,
    )
    report = {"deploymentId": deployment_id, "status": status, **result}
    print(json.dumps(report))  # one line in CloudWatch Logs per release
    return report


def handler(event: dict[str, Any], _context: object) -> dict[str, Any]:
    session = boto3.session.Session()

    def check() -> dict[str, Any]:
        settings = Settings.from_env(os.environ)
        # One attempt: the probe retries by itself, and a second invocation after a read
        # timeout would outlast this function's own timeout.
        lambda_config = Config(
            connect_timeout=5,
            read_timeout=settings.probe_timeout_seconds + 5,
            retries={"total_max_attempts": 1},
        )
        return check_test_traffic(
            settings,
            ec2=session.client("ec2"),
            lambda_client=session.client("lambda", config=lambda_config),
        )

    return run_gate(event, codedeploy=session.client("codedeploy"), check=check)
