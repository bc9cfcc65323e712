"""Stop a running ECS-native release and roll it back: the supported stop under the ECS controller.

Ctrl-C does not do it (docs/controllers.md#stopping-a-release): the bridged provider's Cancel is
a no-op (pulumi-terraform-bridge `pkg/tfbridge/provider.go`), so the first Ctrl-C waits for the
service update, which waits for the whole release; `sigint_rollback` acts only on a cancelled
provider context. Run this in another shell instead, as the stack's AWS identity:

    .venv/bin/python -m components.release.ecs.stop_release \\
        "$(pulumi stack output clusterName)" "$(pulumi stack output serviceName)"

It stops every deployment of the service that is still PENDING or IN_PROGRESS with
StopServiceDeployment(stopType=ROLLBACK) (ECS API Reference: ROLLBACK returns the service to the
last successful revision; ABORT would stop where it is), waits until each one ends, and prints
how. The waiting `pulumi up` then fails on the rolled-back deployment (the provider's
`findDeploymentStatus`, and the release check). Exit status 0 when every stopped deployment
ended ROLLBACK_SUCCESSFUL or STOPPED (or none was running), 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import botocore.session
from botocore.exceptions import ClientError

from components.release.codedeploy.credentials import WATCH_CONFIG, AwsIdentity, clients_for

#: Deployments a stop applies to (ServiceDeploymentStatus, botocore's ECS model).
RUNNING = ("PENDING", "IN_PROGRESS")
#: Ends after which the service serves the previous revision.
ROLLED_BACK = frozenset({"ROLLBACK_SUCCESSFUL", "STOPPED"})
TERMINAL = ROLLED_BACK | {"ROLLBACK_FAILED", "SUCCESSFUL"}
#: ECS refuses the stop: the deployment is already ending (botocore's ECS model lists it).
ALREADY_ENDING = "ConflictException"


def running_deployments(ecs: Any, cluster: str, service: str) -> list[str]:
    """ARNs of the service's PENDING or IN_PROGRESS deployments, every page."""
    arns: list[str] = []
    request: dict[str, Any] = {"cluster": cluster, "service": service, "status": list(RUNNING)}
    while True:
        page = ecs.list_service_deployments(**request)
        arns += [d["serviceDeploymentArn"] for d in page.get("serviceDeployments", [])]
        if not page.get("nextToken"):
            return arns
        request["nextToken"] = page["nextToken"]


def stop_and_roll_back(
    ecs: Any,
    cluster: str,
    service: str,
    *,
    poll_seconds: float = 15,
    wait_seconds: float = 3600,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    say: Callable[[str], None] = print,
) -> bool:
    """Stops every running deployment with rollback and waits for them; True when all of them
    ended with the previous revision serving."""
    arns = running_deployments(ecs, cluster, service)
    if not arns:
        say(f"no running deployment of {service} in {cluster}")
        return True
    for arn in arns:
        try:
            ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
            say(f"rolling back {arn}")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != ALREADY_ENDING:
                raise
            say(f"{arn} is already ending: {error.response['Error'].get('Message', '')}")
    deadline = clock() + wait_seconds
    ends: dict[str, str] = {}
    while True:
        for start in range(0, len(arns), 20):  # DescribeServiceDeployments takes 20 ARNs
            answer = ecs.describe_service_deployments(
                serviceDeploymentArns=arns[start : start + 20]
            )
            for deployment in answer.get("serviceDeployments", []):
                ends[deployment["serviceDeploymentArn"]] = deployment["status"]
        if all(ends.get(arn) in TERMINAL for arn in arns) or clock() >= deadline:
            break
        sleep(poll_seconds)
    for arn in arns:
        say(f"{arn}: {ends.get(arn, 'unknown')}")
    return all(ends.get(arn) in ROLLED_BACK for arn in arns)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cluster", help="the stack's clusterName output")
    parser.add_argument("service", help="the stack's serviceName output")
    parser.add_argument("--region", default=None, help="default: the AWS config's region")
    parser.add_argument("--profile", default=None, help="default: the default credential chain")
    parser.add_argument(
        "--role-arn", action="append", default=[], help="assume this role (repeat for a chain)"
    )
    options = parser.parse_args(argv)
    session = botocore.session.Session(profile=options.profile)
    region = options.region or session.get_config_variable("region")
    identity = AwsIdentity(str(region), options.profile, tuple(options.role_arn))
    ecs = clients_for(identity, WATCH_CONFIG)("ecs")
    return 0 if stop_and_roll_back(ecs, options.cluster, options.service) else 1


if __name__ == "__main__":
    sys.exit(main())
