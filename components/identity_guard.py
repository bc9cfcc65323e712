"""Refuses at preview the config changes that would re-create the service or cut port 80.

Pulumi cannot refuse a replacement by itself: it plans it. Some settings, though, name what
everything else hangs on:

- `serviceName` prefixes every logical name, so every physical name: a new value re-creates the
  load balancer (new DNS name), listeners, target groups, cluster, service, deployment group and
  ECR repository;
- the network (`vpcId`, or `natStrategy` of the VPC this stack creates): target groups and
  security groups live in one VPC (`vpc_id` is ForceNew), while the service ignores its load
  balancers and network (CodeDeploy owns them), so a move would leave the service on deleted
  groups. awsx also re-lays out the subnets of a VPC whose NAT strategy changes;
- turning HTTPS off while the HTTP->HTTPS redirect holds port 80: the production listener can
  only move to 80 once it is free, and Pulumi deletes removed resources last.

So the program reads its own stack's previous outputs through a StackReference, compares them
with this run's `identity` output, and fails before registering anything (the component depends
on the check). A stack without that output (new, or created before this guard) passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.args import BlueGreenServiceArgs

#: Stack output holding the identity of the last run.
IDENTITY_OUTPUT = "identity"
RUNBOOK = "docs/operations.md"


def identity_of(name: str, args: BlueGreenServiceArgs) -> dict[str, Any]:
    """What must not change in place, as it goes into the stack output."""
    return {
        "serviceName": name,
        "network": args.vpc_id or f"new VPC (natStrategy={args.nat_strategy})",
        "productionPort": args.production_port,
        "httpRedirect": args.certificate_arn is not None and args.http_redirect,
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
            f"vpcId/natStrategy: the network changes from {old_network} to "
            f"{current['network']}; target groups and security groups cannot move between "
            "networks under a running service. Deploy a new stack in the new network and move "
            f"DNS ({RUNBOOK}#moving-to-another-network-or-account)"
        )
    if previous.get("httpRedirect") and current["productionPort"] == 80:
        errors.append(
            "certificateArn: turning HTTPS off moves the production listener to port 80, which "
            "the HTTP->HTTPS redirect still holds. First run `pulumi up` with httpRedirect=false "
            f"(keeping certificateArn), then unset certificateArn ({RUNBOOK}#turning-https-off)"
        )
    return errors


class IdentityGuard:
    """Checks this run's identity against the stack's previous one (see the module docstring).

    Pass `checked` to `depends_on` of the component: the component, and so every resource in
    it, is registered only after the check has passed.
    """

    def __init__(self, name: str, args: BlueGreenServiceArgs, *, allow_rename: bool) -> None:
        self.identity = identity_of(name, args)
        stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
        self.reference = pulumi.StackReference(f"{name}-identity", stack_name=stack)
        current = self.identity

        def check(previous: Mapping[str, Any] | None) -> Sequence[pulumi.Resource]:
            errors = identity_errors(previous, current, allow_rename)
            if errors:
                raise ValueError(
                    "refused config change(s):\n" + "\n".join(f"  - {e}" for e in errors)
                )
            return [self.reference]

        self.checked: pulumi.Output[Sequence[pulumi.Resource]] = self.reference.get_output(
            IDENTITY_OUTPUT
        ).apply(check)
