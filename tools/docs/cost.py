"""Monthly cost of N services: each with its own runtime, or on one shared runtime.

`python -m tools.docs.cost` prints the table; `python -m tools.docs.cost --write README.md`
replaces the table between the markers in that file (a test checks it is current).

Prices: on-demand, US East (N. Virginia), USD, as listed on 2026-11-29 by the AWS pricing pages
below (cross-checked against the 2026 summaries of vantage.sh and cloudburn.io, as the pages
themselves render their tables with scripts). Other regions cost up to ~15 % more (Europe
(Ireland): ALB USD 0.0252 an hour); the comparison between layouts barely moves.

Assumptions:
- 730 hours a month; services run all month.
- Each service averages `LCU_PER_SERVICE` load balancer capacity units (a lightly used API:
  one LCU is 25 new connections a second, 3,000 active connections, 1 GB an hour or 1,000 rule
  evaluations a second). A shared ALB is billed on its busiest dimension summed over services,
  so adding the services' LCUs is an upper bound for it.
- An internet-facing ALB holds one public IPv4 address per AZ (two here); each NAT gateway one
  Elastic IP; tasks in public subnets (no NAT) one public IPv4 each. Public IPv4 addresses cost
  the same whether Elastic or not.
- Not counted: data processed by NAT gateways, data transfer out, CloudWatch (logs, Container
  Insights metrics, alarms), ECR storage, the test gate's Lambda: they follow traffic and
  services, not the layout. The task count is the steady state, without a release's second
  task set.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

HOURS_PER_MONTH = 730

#: https://aws.amazon.com/elasticloadbalancing/pricing/ (Application Load Balancer)
ALB_HOUR = 0.0225
ALB_LCU_HOUR = 0.008
#: https://aws.amazon.com/vpc/pricing/ (NAT gateway; public IPv4 address, since 2024-02-01)
NAT_GATEWAY_HOUR = 0.045
PUBLIC_IPV4_HOUR = 0.005
#: https://aws.amazon.com/fargate/pricing/ (Linux/x86)
FARGATE_VCPU_HOUR = 0.04048
FARGATE_GB_HOUR = 0.004445

LCU_PER_SERVICE = 0.5
AVAILABILITY_ZONES = 2

#: The markers around the generated table in a Markdown file.
START, END = "<!-- cost-table:start -->", "<!-- cost-table:end -->"


@dataclass(frozen=True)
class Shape:
    """One environment's shape, as in the example stack files."""

    name: str
    nat_gateways: int
    """Per VPC: 0 (natStrategy none), 1 (single) or one per AZ (onePerAz)."""
    tasks: int
    vcpu: float
    memory_gb: float


#: Pulumi.dev.yaml: no NAT, 2 tasks of 0.25 vCPU / 0.5 GB.
DEV = Shape("dev", nat_gateways=0, tasks=2, vcpu=0.25, memory_gb=0.5)
#: Pulumi.prod.yaml: a NAT gateway per AZ, 3 tasks (autoscaling minimum) of 0.5 vCPU / 1 GB.
PROD = Shape("prod", nat_gateways=AVAILABILITY_ZONES, tasks=3, vcpu=0.5, memory_gb=1.0)


@dataclass(frozen=True)
class Layout:
    """How many of each billed thing N services of one shape need."""

    load_balancers: int
    nat_gateways: int
    public_ipv4: int
    lcus: float
    tasks: int

    def monthly(self, shape: Shape) -> float:
        hourly = (
            self.load_balancers * ALB_HOUR
            + self.lcus * ALB_LCU_HOUR
            + self.nat_gateways * NAT_GATEWAY_HOUR
            + self.public_ipv4 * PUBLIC_IPV4_HOUR
            + self.tasks * (shape.vcpu * FARGATE_VCPU_HOUR + shape.memory_gb * FARGATE_GB_HOUR)
        )
        return hourly * HOURS_PER_MONTH


def _task_ips(shape: Shape, services: int) -> int:
    return 0 if shape.nat_gateways else services * shape.tasks


def own(shape: Shape, services: int) -> Layout:
    """Today's default: every service stack creates its VPC, NAT, cluster and ALB."""
    return Layout(
        load_balancers=services,
        nat_gateways=services * shape.nat_gateways,
        public_ipv4=services * (AVAILABILITY_ZONES + shape.nat_gateways)
        + _task_ips(shape, services),
        lcus=services * LCU_PER_SERVICE,
        tasks=services * shape.tasks,
    )


def shared_network(shape: Shape, services: int) -> Layout:
    """CODE_DEPLOY services on a runtime: its VPC, NAT and cluster; an ALB each (CodeDeploy
    moves whole listeners), plus the runtime's own ALB."""
    return Layout(
        load_balancers=services + 1,
        nat_gateways=shape.nat_gateways,
        public_ipv4=(services + 1) * AVAILABILITY_ZONES
        + shape.nat_gateways
        + _task_ips(shape, services),
        lcus=services * LCU_PER_SERVICE,
        tasks=services * shape.tasks,
    )


def shared_all(shape: Shape, services: int) -> Layout:
    """ECS-controlled services on a runtime: its VPC, NAT, cluster and ALB (rules per service)."""
    return Layout(
        load_balancers=1,
        nat_gateways=shape.nat_gateways,
        public_ipv4=AVAILABILITY_ZONES + shape.nat_gateways + _task_ips(shape, services),
        lcus=services * LCU_PER_SERVICE,
        tasks=services * shape.tasks,
    )


def render_table(counts: tuple[int, ...] = (1, 10, 50)) -> str:
    """The Markdown table: USD a month, and the ALBs and Elastic IPs that each layout needs."""
    lines = [
        "| Shape | Services | Own runtime each | Shared network + cluster (CodeDeploy) "
        "| Shared network + cluster + ALB (ECS) | ALBs (own / CodeDeploy / ECS) "
        "| NAT Elastic IPs (own / shared) |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for shape in (DEV, PROD):
        for n in counts:
            layouts = [own(shape, n), shared_network(shape, n), shared_all(shape, n)]
            costs = " | ".join(f"{layout.monthly(shape):,.0f}" for layout in layouts)
            albs = " / ".join(str(layout.load_balancers) for layout in layouts)
            eips = f"{layouts[0].nat_gateways} / {layouts[2].nat_gateways}"
            lines.append(f"| {shape.name} | {n} | {costs} | {albs} | {eips} |")
    return "\n".join(lines)


def write_table(path: Path) -> None:
    """Replaces the text between the markers in `path` with the current table."""
    text = path.read_text()
    pattern = re.compile(f"{re.escape(START)}.*?{re.escape(END)}", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path}: no {START} ... {END} block to replace")
    path.write_text(pattern.sub(lambda _: f"{START}\n{render_table()}\n{END}", text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="Markdown file whose table to replace")
    options = parser.parse_args()
    if options.write:
        write_table(options.write)
    else:
        print(render_table())


if __name__ == "__main__":
    main()
