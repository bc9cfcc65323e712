"""`trafficShift` and `terminationWaitMinutes` -> the service's `deploymentConfiguration`.

The same vocabulary as the CodeDeploy controller, mapped onto ECS's strategies:

- `AllAtOnce` -> `BLUE_GREEN`
- `Linear<P>PercentEvery<M>Minutes` -> `LINEAR` (`step_percent` P, `step_bake_time_in_minutes` M)
- `Canary<P>Percent<M>Minutes` -> `CANARY` (`canary_percent` P, `canary_bake_time_in_minutes` M)
- `terminationWaitMinutes` -> `bake_time_in_minutes`: blue is kept this long after production
  traffic is all on green, the rollback window.

ECS's ranges are narrower than CodeDeploy's (pulumi-aws 7.51 argument docs, and the provider's
validators `FloatBetween(3.0, 100.0)`, `FloatBetween(0.1, 100.0)` and
`ValidateTypeStringNullableIntBetween(0, 1440)` in terraform-provider-aws
`internal/service/ecs/service.go`), so a shift valid for CodeDeploy can be refused here, with
an error naming the setting and the range. Pure data: no Pulumi resource is created.
"""

from __future__ import annotations

from typing import Any

from components.traffic_shift import TrafficShift

STEP_PERCENT_RANGE = (3, 100)
BAKE_MINUTES_RANGE = (0, 1440)

STRATEGY_BY_KIND = {"AllAtOnce": "BLUE_GREEN", "Linear": "LINEAR", "Canary": "CANARY"}


def strategy_errors(shift: TrafficShift, bake_minutes: int) -> list[str]:
    """What ECS would refuse in this shift and bake time, as messages naming the setting."""
    errors: list[str] = []
    low, high = BAKE_MINUTES_RANGE
    if not low <= bake_minutes <= high:
        errors.append(
            f"terminationWaitMinutes: {bake_minutes} is outside {low}..{high}, the range of the "
            "ECS controller's bakeTimeInMinutes"
        )
    if shift.kind == "Linear":
        low, high = STEP_PERCENT_RANGE
        if not low <= shift.percentage <= high:
            errors.append(
                f"trafficShift: {shift.name} steps {shift.percentage} %; the ECS controller's "
                f"LINEAR stepPercent must be {low}..{high}"
            )
    if shift.kind in ("Linear", "Canary"):
        low, high = BAKE_MINUTES_RANGE
        if not low <= shift.interval_minutes <= high:
            key = "stepBakeTimeInMinutes" if shift.kind == "Linear" else "canaryBakeTimeInMinutes"
            errors.append(
                f"trafficShift: {shift.name} waits {shift.interval_minutes} minutes; the ECS "
                f"controller's {key} must be {low}..{high}"
            )
    # Canary percentages parse as whole numbers 1..99: always inside ECS's 0.1..100.
    return errors


def deployment_configuration(
    shift: TrafficShift, bake_minutes: int, lifecycle_hooks: list[dict[str, Any]]
) -> dict[str, Any]:
    """`deployment_configuration` of `aws.ecs.Service` (pulumi-aws 7.51 argument names).

    The provider types every minutes field as a string (a nullable int in the Terraform schema).
    """
    configuration: dict[str, Any] = {
        "strategy": STRATEGY_BY_KIND[shift.kind],
        "bake_time_in_minutes": str(bake_minutes),
    }
    if shift.kind == "Linear":
        configuration["linear_configuration"] = {
            "step_percent": float(shift.percentage),
            "step_bake_time_in_minutes": str(shift.interval_minutes),
        }
    elif shift.kind == "Canary":
        configuration["canary_configuration"] = {
            "canary_percent": float(shift.percentage),
            "canary_bake_time_in_minutes": str(shift.interval_minutes),
        }
    if lifecycle_hooks:
        configuration["lifecycle_hooks"] = lifecycle_hooks
    return configuration


#: Time a release needs beyond the configured waits: starting green (image pull, container
#: start, target-group health checks) and the test gate. The same budget as the CodeDeploy
#: release resource's provisioning margin (components/release/codedeploy/release.py).
PROVISIONING_MARGIN_MINUTES = 15


def update_timeout_minutes(
    shift: TrafficShift, bake_minutes: int, approval_minutes: int, clean_up_seconds: int = 0
) -> int:
    """How long `pulumi up` may wait for one release: approval + shift + bake + clean-up
    (blue's deregistration delay and stop timeout: the deployment is SUCCESSFUL only after
    CLEAN_UP) + margin.

    The provider's default update timeout is 20 minutes, too short for a canary with a bake.
    When it expires the provider stops waiting and the update fails; the deployment is left
    running in ECS (docs/controllers.md#when-the-timeout-expires)."""
    shift_minutes = -(-shift.shift_seconds // 60)
    clean_up_minutes = -(-clean_up_seconds // 60)
    return (
        approval_minutes
        + shift_minutes
        + bake_minutes
        + clean_up_minutes
        + PROVISIONING_MARGIN_MINUTES
    )
