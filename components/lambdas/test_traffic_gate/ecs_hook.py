"""The gate as an ECS lifecycle hook (POST_TEST_TRAFFIC_SHIFT), for the ECS release controller.

The same check as the CodeDeploy hook in `gate.py` (find the ALB's private addresses, have the
in-VPC probe request the test paths through the test listener), answered the ECS way: the
function returns `{"hookStatus": "SUCCEEDED" | "FAILED" | "IN_PROGRESS"}` instead of calling
an API, and never sleeps between rounds. Each invocation runs ONE round of requests; while
green fails and rounds remain it returns IN_PROGRESS with `callBackDelay` (the round interval)
and the round count in `hookDetails`, which ECS passes back on the next invocation (ECS
developer guide, "Lambda hooks for Amazon ECS service deployments": hookStatus values,
callBackDelay, passing state with hookDetails).

It always answers: a broken gate (settings, no addresses, probe crash) returns FAILED at once,
because a Lambda error would also roll back, but without a reason in the logs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config

try:  # imported from the project (tests, tools)
    from components.lambdas.test_traffic_gate.gate import Settings, check_test_traffic
except ModuleNotFoundError:  # the Lambda runtime: the gate's files sit at the archive root
    from gate import Settings, check_test_traffic  # type: ignore[import-not-found,no-redef]

ROUND_KEY = "testGateRounds"


def rounds_done(event: Mapping[str, Any]) -> int:
    """Rounds earlier invocations of this hook ran (from the hookDetails they returned)."""
    details = event.get("hookDetails")
    if not isinstance(details, Mapping):
        return 0
    value = details.get(ROUND_KEY, 0)
    return value if isinstance(value, int) and value >= 0 else 0


def target_revision(event: Mapping[str, Any]) -> str | None:
    """The green revision being deployed: ECS sends it under `executionDetails` (next to the
    traffic weights), not at the top of the event."""
    details = event.get("executionDetails")
    value = details.get("targetServiceRevisionArn") if isinstance(details, Mapping) else None
    return value if isinstance(value, str) else None


def green_has_test_traffic(event: Mapping[str, Any]) -> bool:
    """Whether the revision being deployed has test traffic: always so at POST_TEST_TRAFFIC_SHIFT
    of a deployment ("the green service revision handles 100% of the test traffic", ECS API
    Reference, DeploymentLifecycleHook `lifecycleStages`). Hooks run again while ECS rolls
    traffic back to blue; then the target has none. Weights missing: judged as usual."""
    details = event.get("executionDetails")
    weights = details.get("testTrafficWeights") if isinstance(details, Mapping) else None
    target = target_revision(event)
    if not isinstance(weights, Mapping) or target not in weights:
        return True
    weight = weights[target]
    return not isinstance(weight, int | float) or weight > 0


def run_hook(
    event: Mapping[str, Any],
    settings: Settings,
    check: Callable[[Settings], dict[str, Any]],
) -> dict[str, Any]:
    """One round of the check; the ECS hook answer for it."""
    if not green_has_test_traffic(event):
        # A rollback returning test traffic to blue: there is no green to judge, and a FAILED
        # answer while ECS rolls back can end the deployment in ROLLBACK_FAILED.
        print(json.dumps({"targetServiceRevisionArn": target_revision(event), "rollback": True}))
        return {"hookStatus": "SUCCEEDED"}
    done = rounds_done(event) + 1
    try:
        # One round per invocation: ECS calls again after callBackDelay instead of us sleeping.
        result = check(dataclasses.replace(settings, attempts=1))
        passed = result.get("passed") is True
    except Exception as error:  # every failure must become an answer, never a Lambda error
        traceback.print_exc()
        result = {"passed": False, "error": f"{type(error).__name__}: {error}"}
        passed = False
        done = settings.attempts  # a broken gate does not get better by waiting
    if passed:
        answer: dict[str, Any] = {"hookStatus": "SUCCEEDED"}
    elif done < settings.attempts:
        answer = {
            "hookStatus": "IN_PROGRESS",
            "callBackDelay": max(1, math.ceil(settings.interval_seconds)),
            "hookDetails": {ROUND_KEY: done},
        }
    else:
        answer = {"hookStatus": "FAILED"}
    report = {
        "targetServiceRevisionArn": target_revision(event),
        "round": done,
        **answer,
        **result,
    }
    print(json.dumps(report))  # one line in CloudWatch Logs per round
    return answer


def handler(event: dict[str, Any], _context: object) -> dict[str, Any]:
    try:
        settings = Settings.from_env(os.environ)
    except (KeyError, ValueError) as error:
        traceback.print_exc()
        print(json.dumps({"hookStatus": "FAILED", "error": f"bad gate settings: {error}"}))
        return {"hookStatus": "FAILED"}
    session = boto3.session.Session()
    lambda_config = Config(
        connect_timeout=5,
        read_timeout=settings.probe_timeout_seconds + 5,
        retries={"total_max_attempts": 1},
    )

    def check(round_settings: Settings) -> dict[str, Any]:
        return check_test_traffic(
            round_settings,
            ec2=session.client("ec2"),
            lambda_client=session.client("lambda", config=lambda_config),
        )

    return run_hook(event, settings, check)
