"""The gate half of the test-traffic gate: CodeDeploy's AfterAllowTestTraffic hook.

Runs OUTSIDE any VPC, so it reaches the AWS APIs without a NAT gateway. For one hook execution
it finds the ALB's private addresses (its network interfaces carry the description
`ELB app/<name>/<id>`), invokes the in-VPC probe function synchronously to request the test
paths through the test listener, and reports Succeeded or Failed to CodeDeploy.

It always reports: any exception (bad settings, no addresses, probe crash or timeout) becomes
Failed, so a broken gate fails the release in seconds instead of leaving the hook pending for
CodeDeploy's one-hour hook timeout. Two things make "always" true when AWS is slow:

- every client has a bounded connect/read timeout and a bounded number of attempts (botocore's
  defaults are 60 s and 3 attempts per call, which alone can outlast the function);
- the check runs against the Lambda's own clock (`context.get_remaining_time_in_millis()`): when
  only REPORT_RESERVE_SECONDS are left, the gate stops waiting for the check and reports Failed
  with what it saw so far, before Lambda would kill it unreported.

A throttled probe invoke (TooManyRequestsException, HTTP 429) is retried with backoff as long as
a whole probe run still fits in the time left.

Settings come from the environment, set by `components.test_traffic_gate`:
PROBE_FUNCTION, PROBE_TIMEOUT_SECONDS, LOAD_BALANCER_ARN, TEST_LISTENER_PORT, PATHS (JSON list),
ATTEMPTS, INTERVAL_SECONDS, TIMEOUT_SECONDS, and optionally HOST_HEADER (the `Host` a shared test
listener routes to the service's test rule; unset, requests carry the address as before).
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

#: Kept back from the Lambda's remaining time to report to CodeDeploy: one call of at most
#: 2 attempts x (2 s connect + 3 s read), plus slack.
REPORT_RESERVE_SECONDS = 12.0
#: The quick calls (EC2 DescribeNetworkInterfaces, CodeDeploy report): seconds, not minutes.
QUICK_CALL_CONFIG = Config(
    connect_timeout=2, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 2}
)
#: Lambda's throttling refusal of an invoke (in the lambda service model).
THROTTLED_INVOKE = "TooManyRequestsException"
INVOKE_BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0)

Clock = Callable[[], float]


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
    host_header: str | None = None

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
            host_header=env.get("HOST_HEADER") or None,
        )

    def probe_event(self, targets: Sequence[str]) -> dict[str, Any]:
        return {
            "targets": list(targets),
            "port": self.test_listener_port,
            "paths": list(self.paths),
            "attempts": self.attempts,
            "interval_seconds": self.interval_seconds,
            "timeout_seconds": self.timeout_seconds,
            **({"host": self.host_header} if self.host_header else {}),
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


def check_test_traffic(
    settings: Settings,
    *,
    ec2: Any,
    lambda_client: Any,
    notes: list[str] | None = None,
    deadline: float | None = None,
    clock: Clock = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Asks the probe to check green through the test listener on every ALB address.

    `notes` collects what the gate saw, step by step, for a report cut short by time. A
    throttled invoke is retried while a whole probe run still fits before `deadline`."""
    seen = notes if notes is not None else []
    seen.append("looking up the ALB's private addresses (EC2 DescribeNetworkInterfaces)")
    targets = alb_private_ips(ec2, settings.load_balancer_arn)
    if not targets:
        raise GateError(
            f"no network interfaces described {eni_description(settings.load_balancer_arn)!r}"
        )
    seen.append(f"ALB addresses {targets}")
    event = settings.probe_event(targets)
    for attempt, backoff in enumerate((*INVOKE_BACKOFF_SECONDS, None), start=1):
        seen.append(f"invoking the probe (attempt {attempt})")
        try:
            return invoke_probe(lambda_client, settings.probe_function, event)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code != THROTTLED_INVOKE and status != 429:
                raise
            fits = deadline is None or (
                clock() + (backoff or 0) + settings.probe_timeout_seconds < deadline
            )
            if backoff is None or not fits:
                raise GateError(
                    f"probe invoke throttled ({code}) {attempt} time(s); no time left for "
                    "another whole probe run"
                ) from None
            seen.append(f"probe invoke throttled ({code}); retrying in {backoff:g} s")
            sleep(backoff)
    raise AssertionError("unreachable")  # the loop returns or raises


def run_gate(
    event: Mapping[str, Any],
    *,
    codedeploy: Any,
    check: Callable[[], dict[str, Any]],
    time_limit: float | None = None,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Runs `check` and reports its verdict for this hook execution, whatever happens.

    With `time_limit` (seconds), a check still running then is abandoned and reported Failed
    with `notes`, what it had seen: a report late is a report never made once Lambda stops the
    function."""
    deployment_id = event["DeploymentId"]
    hook_execution_id = event["LifecycleEventHookExecutionId"]
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = check()
        except Exception as error:  # every failure must become a Failed report
            traceback.print_exc()
            outcome["result"] = {"passed": False, "error": f"{type(error).__name__}: {error}"}

    worker = threading.Thread(target=run, name="test-traffic-check", daemon=True)
    worker.start()
    worker.join(time_limit)
    result = outcome.get("result") or {
        "passed": False,
        "error": (
            f"the check did not finish within {time_limit:.1f} s, the time this function had "
            f"before reporting; seen: {'; '.join(notes) or 'nothing yet'}"
        ),
    }
    status = "Succeeded" if result.get("passed") is True else "Failed"
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id,
        lifecycleEventHookExecutionId=hook_execution_id,
        status=status,
    )
    report = {"deploymentId": deployment_id, "status": status, **result}
    print(json.dumps(report))  # one line in CloudWatch Logs per release
    return report


def gate_clients(session: Any, probe_timeout_seconds: float) -> dict[str, Any]:
    """The gate's clients, every one bounded. The probe invoke gets one attempt: the probe
    retries by itself, and a second invocation after a read timeout would outlast this
    function; throttled invokes are retried by `check_test_traffic` instead."""
    lambda_config = Config(
        connect_timeout=2,
        read_timeout=probe_timeout_seconds + 5,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    return {
        "ec2": session.client("ec2", config=QUICK_CALL_CONFIG),
        "lambda": session.client("lambda", config=lambda_config),
    }


def handler(
    event: dict[str, Any],
    context: Any,
    *,
    reserve_seconds: float = REPORT_RESERVE_SECONDS,
) -> dict[str, Any]:
    session = boto3.session.Session()
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    time_limit = None if remaining_ms is None else max(remaining_ms() / 1000 - reserve_seconds, 0)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    notes: list[str] = []
    codedeploy = session.client("codedeploy", config=QUICK_CALL_CONFIG)

    def check() -> dict[str, Any]:
        settings = Settings.from_env(os.environ)
        clients = gate_clients(session, settings.probe_timeout_seconds)
        return check_test_traffic(
            settings,
            ec2=clients["ec2"],
            lambda_client=clients["lambda"],
            notes=notes,
            deadline=deadline,
        )

    return run_gate(event, codedeploy=codedeploy, check=check, time_limit=time_limit, notes=notes)
