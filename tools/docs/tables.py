"""Tables in `docs/` that are generated from their source, so they cannot drift from it.

A generated block sits between `<!-- generated: NAME -->` and `<!-- end generated -->` in a
Markdown file; everything outside the markers is written by hand.

    python -m tools.docs.tables --write   # regenerate every block in place
    python -m tools.docs.tables --check   # exit 1 naming each stale block (the tests do this)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi_policy import EnforcementLevel

from bench import policy_throughput
from components.release.codedeploy.spec import HOOK_MARGIN_MINUTES, PROVISIONING_MARGIN_MINUTES
from components.stack_config import args_from_values, values_from_stack_file
from tools.docs import cost
from tools.docs.timeline import release_budget_parts, render_stack_file

ROOT = Path(__file__).resolve().parents[2]
END = "<!-- end generated -->"
# The pack is a project of its own (policies/); the CLI puts its folder on sys.path, so do we.
if str(ROOT / "policies") not in sys.path:
    sys.path.append(str(ROOT / "policies"))

from ecs_blue_green_policies.pack import RULES  # noqa: E402 (needs the path above)
from ecs_blue_green_policies.rule import StackRule  # noqa: E402


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _default(declaration: dict[str, Any]) -> str:
    value = declaration["default"]
    if value == "":
        return '""'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def config_keys(root: Path) -> str:
    """Every key `Pulumi.yaml` declares, in its order: type, default and description."""
    declared: dict[str, dict[str, Any]] = yaml.safe_load((root / "Pulumi.yaml").read_text())[
        "config"
    ]
    rows = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for key, declaration in declared.items():
        rows.append(
            f"| `{key}` | {declaration['type']} | {_default(declaration)} | "
            f"{_cell(declaration['description'])} |"
        )
    return "\n".join(rows)


def timeline(root: Path) -> str:
    """The release timeline of every shipped stack file (`tools.docs.timeline`)."""
    return "\n\n".join(render_stack_file(path) for path in sorted(root.glob("Pulumi.*.yaml")))


def time_budget(root: Path) -> str:
    """The CodeDeploy release budget's formula and its sum for every shipped stack file."""
    lines = [
        "```",
        "approval window (deploymentReadyOption.waitTimeInMinutes)",
        "+ traffic shift (canary: its interval; linear: (ceil(100 / percentage) - 1) x interval;"
        " all at once: 0)",
        "+ rollback window (terminationWaitTimeInMinutes)",
        f"+ {PROVISIONING_MARGIN_MINUTES} min (green start-up and CodeDeploy's own steps)",
        f"+ {HOOK_MARGIN_MINUTES} min per lifecycle hook",
        "```",
        "",
    ]
    sums = []
    for path in sorted(root.glob("Pulumi.*.yaml")):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        _, args = args_from_values(values_from_stack_file(path))
        if args.deployment_controller != "CODE_DEPLOY":
            continue
        parts = release_budget_parts(args)
        sums.append(f"{stack}: {' + '.join(map(str, parts))} = {sum(parts)} min")
    lines.append("; ".join(sums) + ".")
    return "\n".join(lines)


def pack_summary(root: Path) -> str:
    """How many rules the pack has, by level and kind (`ecs_blue_green_policies.pack.RULES`)."""
    rules = RULES
    mandatory = [r for r in rules if r.info.level == EnforcementLevel.MANDATORY]
    stack = [r for r in mandatory if isinstance(r, StackRule)]
    advisory = len(rules) - len(mandatory)
    return (
        f"The pack has {len(rules)} rules: {len(mandatory)} mandatory ({len(stack)} of them stack"
        f" rules) and {advisory} advisory."
    )


def benchmark(root: Path) -> str:
    """What `bench.policy_throughput` measures and when it fails, from the bench itself."""
    usage = next(
        line.removeprefix("Usage: ")
        for line in (policy_throughput.__doc__ or "").splitlines()
        if line.startswith("Usage: ")
    )
    policies = len(RULES)
    return (
        f"`{usage}` sends engine-shaped resources (Analyze each, then one AnalyzeStack) to the"
        f" pack and to a no-op pack with the same {policies} policies, names and schemas, and"
        " prints the resources per second of each, of a one-policy no-op pack for context, and"
        " the ratio of the pack to the same-policies no-op pack. It exits 1 below"
        f" {policy_throughput.MINIMUM_RATIO:.0%}. Its numbers depend on the machine and on what"
        " else runs on it, so this page records none: run it where your previews run."
    )


def cost_savings(root: Path) -> str:
    """What sharing saves in prod, by the cost model (`tools.docs.cost`)."""

    def saved(fewer: float, more: float) -> str:
        return f"{1 - fewer / more:.0%}"

    prod = cost.PROD
    network = {n: cost.shared_network(prod, n).monthly(prod) for n in (10, 50)}
    own = {n: cost.own(prod, n).monthly(prod) for n in (10, 50)}
    everything = {n: cost.shared_all(prod, n).monthly(prod) for n in (10, 50)}
    return (
        "In prod the NAT gateways dominate: sharing the network cuts the bill by"
        f" {saved(network[10], own[10])} at 10 services and {saved(network[50], own[50])} at 50,"
        f" and sharing the ALB too saves another {saved(everything[10], network[10])} and"
        f" {saved(everything[50], network[50])}."
    )


def drill_example(root: Path) -> str:
    """The README's example drill report (`python -m tests.drill.fake_stack docs/drill-example`)."""
    return "```\n" + (root / "docs/drill-example/report.txt").read_text().rstrip("\n") + "\n```"


@dataclass(frozen=True)
class Block:
    path: str
    """Markdown file, relative to the repository root."""
    name: str
    render: Callable[[Path], str]


BLOCKS: tuple[Block, ...] = (
    Block("docs/configuration.md", "config-keys", config_keys),
    Block("docs/releases.md", "timeline", timeline),
    Block("docs/releases.md", "time-budget", time_budget),
    Block("docs/policies.md", "pack-summary", pack_summary),
    Block("docs/policies.md", "benchmark", benchmark),
    Block("docs/many-services.md", "cost-savings", cost_savings),
    Block("README.md", "drill-example", drill_example),
)


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- generated: {re.escape(name)} -->\n)(.*?)\n?{re.escape(END)}", re.DOTALL
    )


def current(text: str, name: str) -> str:
    """The block's text as the file holds it; ValueError when the markers are missing."""
    match = _pattern(name).search(text)
    if match is None:
        raise ValueError(f"no `<!-- generated: {name} -->` ... `{END}` block")
    return match.group(2).strip("\n")


def replace(text: str, name: str, content: str) -> str:
    current(text, name)  # raises when the markers are missing
    # Blank lines around the content keep a Markdown table from swallowing the end marker.
    return _pattern(name).sub(lambda m: f"{m.group(1)}\n{content}\n\n{END}", text, count=1)


def stale(root: Path = ROOT) -> list[str]:
    """`file: block` for every block that differs from a fresh render."""
    return [
        f"{block.path}: {block.name}"
        for block in BLOCKS
        if current((root / block.path).read_text(), block.name) != block.render(root)
    ]


def write(root: Path = ROOT) -> list[str]:
    """Regenerates every block; returns the ones that changed."""
    changed = stale(root)
    for block in BLOCKS:
        path = root / block.path
        path.write_text(replace(path.read_text(), block.name, block.render(root)))
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.docs.tables", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate every block in place")
    mode.add_argument("--check", action="store_true", help="exit 1 if any block is stale")
    options = parser.parse_args(argv)
    if options.write:
        for name in write():
            print(f"updated {name}")
        return 0
    outdated = stale()
    for name in outdated:
        print(f"stale: {name} (run `python -m tools.docs.tables --write`)", file=sys.stderr)
    return 1 if outdated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
