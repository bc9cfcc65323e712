"""How CodeDeploy moves production traffic from blue to green.

One string names the shift, in CodeDeploy's own vocabulary: `AllAtOnce`,
`Canary<P>Percent<M>Minutes` or `Linear<P>PercentEvery<M>Minutes`. The five that AWS predefines
(`CodeDeployDefault.ECS...`) are used by name; any other canary or linear shape becomes a custom
`aws.codedeploy.DeploymentConfig`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

PREDEFINED = (
    "AllAtOnce",
    "Canary10Percent5Minutes",
    "Canary10Percent15Minutes",
    "Linear10PercentEvery1Minutes",
    "Linear10PercentEvery3Minutes",
)

_PATTERN = re.compile(
    r"^(?:(?P<all>AllAtOnce)"
    r"|Canary(?P<cp>\d+)Percent(?P<cm>\d+)Minutes"
    r"|Linear(?P<lp>\d+)PercentEvery(?P<lm>\d+)Minutes?)$"
)

ALLOWED = (
    f"one of {', '.join(PREDEFINED)}, or a custom "
    "Canary<1-99>Percent<1-2880>Minutes / Linear<1-99>PercentEvery<1-2880>Minutes"
)


@dataclass(frozen=True)
class TrafficShift:
    """A parsed traffic shift; `percentage` and `interval_minutes` are 0 for AllAtOnce."""

    kind: Literal["AllAtOnce", "Canary", "Linear"]
    percentage: int = 0
    interval_minutes: int = 0

    @property
    def name(self) -> str:
        if self.kind == "AllAtOnce":
            return "AllAtOnce"
        if self.kind == "Canary":
            return f"Canary{self.percentage}Percent{self.interval_minutes}Minutes"
        return f"Linear{self.percentage}PercentEvery{self.interval_minutes}Minutes"

    @property
    def predefined_config_name(self) -> str | None:
        """`CodeDeployDefault.ECS<name>` when AWS predefines this shift, else None."""
        return f"CodeDeployDefault.ECS{self.name}" if self.name in PREDEFINED else None

    @property
    def shift_seconds(self) -> int:
        """Seconds from the first to the last traffic increment."""
        if self.kind == "Canary":
            return self.interval_minutes * 60
        if self.kind == "Linear":
            return (math.ceil(100 / self.percentage) - 1) * self.interval_minutes * 60
        return 0


def parse_traffic_shift(value: str) -> TrafficShift:
    """Parses a shift name; raises ValueError naming the allowed values."""
    match = _PATTERN.match(value)
    if match is None:
        raise ValueError(f"trafficShift: {value!r} is not {ALLOWED}")
    if match["all"]:
        return TrafficShift("AllAtOnce")
    kind: Literal["Canary", "Linear"] = "Canary" if match["cp"] else "Linear"
    percentage = int(match["cp"] or match["lp"])
    minutes = int(match["cm"] or match["lm"])
    if not 1 <= percentage <= 99 or not 1 <= minutes <= 2880:
        raise ValueError(f"trafficShift: {value!r} is out of range; use {ALLOWED}")
    return TrafficShift(kind, percentage, minutes)
