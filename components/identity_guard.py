"""Refuses at preview the config changes that would re-create the service or cut port 80.

Pulumi cannot refuse a replacement by itself: it plans it. Some settings, though, name what
everything else hangs on:

- `serviceName` prefixes every logical name, so every physical name: a new value re-creates the
  load balancer (new DNS name), listeners, target groups, cluster, service, deployment group and
  ECR repository;
- the network (`vpcId`, the `sharedStack` runtime, or `natStrategy` of the VPC this stack
  creates): target groups and
  security groups live in one VPC (`vpc_id` is ForceNew), while the service ignores its load
  balancers and network (CodeDeploy owns them), so a move would leave the service on deleted
  groups. awsx also re-lays out the subnets of a VPC whose NAT strategy changes;
- turning HTTPS off while the HTTP->HTTPS redirect holds port 80: the production listener can
  only move to 80 once it is free, and Pulumi deletes removed resources last;
- `enableExecuteCommand` of a CODE_DEPLOY service: UpdateService accepts only the desired count,
  deployment configuration, grace period, placement, managed tags and tag propagation for such a
  service (ECS API reference, UpdateService), and the AppSpec has no such property, so the
  change would fail at `pulumi up`;
- an ECS-controller service moving between launch type FARGATE and a capacity provider strategy
  (`fargateSpotPercent` 0 <-> above 0, or a controller switch that does so):
  terraform-provider-aws replaces the service then (internal/service/ecs/service.go,
  `capacityProviderStrategyCustomizeDiff`). Under CODE_DEPLOY the service stays on FARGATE and
  the AppSpec carries Spot, so any change there is a release.

So the program reads its own stack's previous outputs (`components.previous_run`), compares
them with this run's `identity` output, and fails before registering anything. A stack without that
output (new, or created before this guard) passes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.args import BlueGreenServiceArgs

#: Stack output holding the identity of the last run.
IDENTITY_OUTPUT = "identity"
RUNBOOK = "docs/operations.md"


def identity_of(
    name: str, args: BlueGreenServiceArgs, shared_stack: str | None = None
) -> dict[str, Any]:
    """What must not change in place, as it goes into the stack output."""
    if shared_stack:
        network = f"shared runtime {shared_stack}"
    else:
        network = args.vpc_id or f"new VPC (natStrategy={args.nat_strategy})"
    return {
        "serviceName": name,
        "network": network,
        "productionPort": args.production_port,
        "httpRedirect": args.certificate_arn is not None and args.http_redirect,
        # None under the ECS controller, whose UpdateService changes it.
        "executeCommand": (
            args.enable_execute_command if args.deployment_controller == "CODE_DEPLOY" else None
        ),
        # Whether the service itself runs on a capacity provider strategy (ECS controller only).
        "capacityProviders": bool(
            args.deployment_controller == "ECS" and args.capacity_provider_strategy
        ),
    }


def identity_errors(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any], allow_rename: bool
) -> list[str]:
    """Every refused change from `previous` to `current`, each naming its setting and the way."""
    if not previous:
        return []
    errors: list[str] = []
    old_name = previous.get("serviceName")
    if old_name is not None and old_name != current["serviceName"] and not allow_rename:
        errors.append(
            f"serviceName: {old_name!r} -> {current['serviceName']!r} would re-create the load "
            "balancer (new DNS name), target groups, service, deployment group and image "
            "repository. Deploy the new name as a new stack and move DNS "
            f"({RUNBOOK}#renaming-a-service), or set allowServiceRename=true to accept the "
            "re-creation in this stack"
        )
    old_network = previous.get("network")
    if old_network is not None and old_network != current["network"]:
        errors.append(
            f"vpcId/natStrategy/sharedStack: the network changes from {old_network} to "
            f"{current['network']}; target groups and security groups cannot move between "
            "networks under a running service. Deploy a new stack in the new network and move "
            f"DNS ({RUNBOOK}#moving-to-another-network-or-account)"
        )
    old_exec, new_exec = previous.get("executeCommand"), current["executeCommand"]
    if old_exec is not None and new_exec is not None and old_exec != new_exec:
        errors.append(
            f"enableExecuteCommand: {str(old_exec).lower()} -> {str(new_exec).lower()} cannot be "
            "applied to a running CODE_DEPLOY service (UpdateService refuses it, and a CodeDeploy "
            "release does not carry it). Switch to deploymentController ECS first, or deploy a "
            f"new stack ({RUNBOOK}#ecs-exec)"
        )
    old_spot = previous.get("capacityProviders")
    if old_spot is not None and old_spot != current["capacityProviders"]:
        errors.append(
            "fargateSpotPercent/deploymentController: the service would move from "
            + (
                "a capacity provider strategy to launch type FARGATE"
                if old_spot
                else "launch type FARGATE to a capacity provider strategy"
            )
            + ", which re-creates an ECS-controller service. Keep fargateSpotPercent "
            + ("above 0" if old_spot else "at 0")
            + f", or deploy a new stack and move DNS ({RUNBOOK}#fargate-spot)"
        )
    if previous.get("httpRedirect") and current["productionPort"] == 80:
        errors.append(
            "certificateArn: turning HTTPS off moves the production listener to port 80, which "
            "the HTTP->HTTPS redirect still holds. First run `pulumi up` with httpRedirect=false "
            f"(keeping certificateArn), then unset certificateArn ({RUNBOOK}#turning-https-off)"
        )
    return errors


def check_identity(
    name: str,
    args: BlueGreenServiceArgs,
    *,
    previous: Mapping[str, Any] | None,
    allow_rename: bool,
    shared_stack: str | None = None,
) -> dict[str, Any]:
    """Raises ValueError on a refused change from `previous` (the stack's `IDENTITY_OUTPUT` as
    its last run left it, `components.previous_run`); returns this run's identity, to be
    exported as `IDENTITY_OUTPUT`.

    Call it before creating any resource, so a refused change registers nothing (at preview,
    and at an `up` that skips the preview).
    """
    current = identity_of(name, args, shared_stack)
    errors = identity_errors(previous, current, allow_rename)
    if errors:
        raise ValueError("refused config change(s):\n" + "\n".join(f"  - {e}" for e in errors))
    return current
