"""Resources per second through the Analyzer gRPC interface: the pack vs its no-op twin.

Org-wide packs run on every preview of every stack, so the pack must keep at least 95% of the
throughput of a pack that checks nothing. Both packs are started as the Pulumi CLI starts them
(`python -u -m pulumi.policy <engine address> .` in the pack directory) and receive the same
3,000 engine-shaped resources: one Analyze call per resource (inputs), then one AnalyzeStack
call with all of them (outputs and dependency graph), as in one `pulumi preview`, after a
Configure with every policy's schema defaults, as the CLI sends. Request messages are built
once, up front, so client-side serialisation is not measured.

The no-op twin has the same policies (names, resource/stack kinds, config schemas) with
validations that return at once, in a process set up as the pack's (its garbage collector
settled the same way). The SDK itself deserialises a resource's properties once per
resource policy, and every stack resource once per stack policy, so its cost grows with the
number of policies; a same-shape twin isolates what the rules themselves cost. A one-policy
no-op pack (the SDK refuses an empty pack) is also measured, for context only.

The ratio that passes or fails is of the packs' own CPU time (Linux /proc; wall time elsewhere):
other processes on a shared machine stretch wall time by tens of percent, and hit one pack more
than the other, while a pack's CPU time is what the rules cost. The wall-time ratio is printed
beside it. Every round starts the packs afresh, and within a round they take turns
(`one_round`), so that the machine's drifting speed is the same for each; the verdict is the
median of the rounds' own ratios (`paired`).

Usage: python -m bench.policy_throughput [--resources 3000] [--rounds 15]
Exit status 1, with a FAIL line on stderr, when the pack keeps less than 95% of its twin's
throughput. Where the time goes: python -m bench.pack_profile.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from tests.policies import fixtures
from tests.policies.analyzer import (
    PACK_DIR,
    UNKNOWN,
    PackClient,
    StackResource,
    running_pack,
    struct,
    urn,
)

MINIMUM_RATIO = 0.95
"""Below this share of the no-op twin's throughput the benchmark fails."""
TWIN = "no-op (same policies)"
PACK = "ecs-blue-green"
RESOURCES_PER_APP = 20

NO_OP_PACK = '''\
"""Benchmark baseline: the policies of ecs-blue-green, each doing nothing, in a process set up
as the pack's (its __main__.py)."""
import sys

from pulumi_policy import (EnforcementLevel, PolicyConfigSchema, PolicyPack,
                           ResourceValidationPolicy, StackValidationPolicy)

sys.path.insert(0, {pack_dir!r})
from ecs_blue_green_policies import collector

def nothing(args, report_violation):
    return None

POLICIES = {policies}
pack_policies = [
    (StackValidationPolicy if kind == "stack" else ResourceValidationPolicy)(
        name=name, description="does nothing", validate=nothing,
        config_schema=PolicyConfigSchema(schema),
    )
    for name, kind, schema in POLICIES
]
collector.settle()
PolicyPack(name="no-op", enforcement_level=EnforcementLevel.ADVISORY, policies=pack_policies)
'''


@dataclass(frozen=True)
class Workload:
    """Prebuilt requests for one preview of a stack."""

    analyze: list[analyzer_pb2.AnalyzeRequest]
    stack: analyzer_pb2.AnalyzeStackRequest


def _app(index: int) -> list[StackResource]:
    """One blue/green application (20 resources); every fourth uses aws-native, every fifth
    is a preview with unknown ARNs."""
    native = index % 4 == 3
    preview = index % 5 == 4
    app = f"app{index}"

    def res(
        type_: str, name: str, props: dict[str, Any], **deps: list[StackResource]
    ) -> StackResource:
        return StackResource(
            type_,
            f"{app}-{name}",
            props,
            dependencies=[d.urn for ds in deps.values() for d in ds],
            property_dependencies={k: [d.urn for d in ds] for k, ds in deps.items()},
        )

    def arn(kind: str, name: str) -> str:
        return UNKNOWN if preview else f"arn:aws:{kind}:eu-west-1:123456789012:{app}/{name}"

    def build(aws: fixtures.Fixture, aws_native: fixtures.Fixture) -> dict[str, Any]:
        return (aws_native if native else aws).props()

    tg_type = fixtures.NATIVE_TARGET_GROUP.type if native else fixtures.AWS_TARGET_GROUP.type
    sg = res("aws:ec2/securityGroup:SecurityGroup", "alb-sg", {"vpcId": "vpc-1", "id": f"sg-{app}"})
    lb = res(
        fixtures.NATIVE_LOAD_BALANCER.type if native else fixtures.AWS_LOAD_BALANCER.type,
        "alb",
        {
            **build(fixtures.AWS_LOAD_BALANCER, fixtures.NATIVE_LOAD_BALANCER),
            "arn": arn("lb", "alb"),
        },
        securityGroups=[sg],
    )
    listeners = [
        res(
            "aws:lb/listener:Listener",
            name,
            {
                "port": port,
                "protocol": "HTTP",
                "loadBalancerArn": lb.props["arn"],
                "arn": arn("listener", name),
            },
            loadBalancerArn=[lb],
        )
        for name, port in (("prod", 80), ("test", 8080))
    ]
    rules = [
        res(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            f"in-{port}",
            {
                "securityGroupId": f"sg-{app}",
                "ipProtocol": "tcp",
                "fromPort": port,
                "toPort": port,
                "cidrIpv4": cidr,
            },
            securityGroupId=[sg],
        )
        for port, cidr in ((80, "0.0.0.0/0"), (8080, "10.0.0.0/8"))
    ]
    cluster = res(
        "aws:ecs/cluster:Cluster",
        "cluster",
        {"name": f"{app}-cluster", "arn": arn("ecs", "cluster")},
    )
    task = res(
        fixtures.NATIVE_TASK_DEFINITION.type if native else fixtures.AWS_TASK_DEFINITION.type,
        "task",
        build(fixtures.AWS_TASK_DEFINITION, fixtures.NATIVE_TASK_DEFINITION),
    )
    groups = [
        res(tg_type, color, build(fixtures.AWS_TARGET_GROUP, fixtures.NATIVE_TARGET_GROUP))
        for color in ("blue", "green")
    ]
    service = res(
        fixtures.NATIVE_SERVICE_CODE_DEPLOY.type
        if native
        else fixtures.AWS_SERVICE_CODE_DEPLOY.type,
        "service",
        build(fixtures.AWS_SERVICE_CODE_DEPLOY, fixtures.NATIVE_SERVICE_CODE_DEPLOY),
        cluster=[cluster],
        taskDefinition=[task],
        loadBalancers=[groups[0]],
    )
    deployment_group = res(
        fixtures.NATIVE_DEPLOYMENT_GROUP.type if native else fixtures.AWS_DEPLOYMENT_GROUP.type,
        "deployment-group",
        build(fixtures.AWS_DEPLOYMENT_GROUP, fixtures.NATIVE_DEPLOYMENT_GROUP),
        **{("ecsServices" if native else "ecsService"): [service, cluster]},
        loadBalancerInfo=[*listeners, *groups],
    )
    _wire(service, deployment_group, cluster=cluster, listeners=listeners, app=app, native=native)
    repository = res(
        fixtures.NATIVE_REPOSITORY.type if native else fixtures.AWS_REPOSITORY.type,
        "repo",
        build(fixtures.AWS_REPOSITORY, fixtures.NATIVE_REPOSITORY),
    )
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    others = [
        *[
            res(
                "aws:iam/role:Role", f"role-{n}", {"assumeRolePolicy": policy, "arn": arn("iam", n)}
            )
            for n in ("task", "exec", "codedeploy")
        ],
        res(
            "aws:cloudwatch/logGroup:LogGroup",
            "logs",
            {"name": f"/ecs/{app}", "retentionInDays": 14},
        ),
        *[
            res(
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                f"alarm-{n}",
                {
                    "metricName": n,
                    "threshold": 5,
                    "comparisonOperator": "GreaterThanThreshold",
                    "evaluationPeriods": 1,
                },
            )
            for n in ("5xx", "unhealthy")
        ],
        res(
            "aws:codedeploy/application:Application", "app", {"computePlatform": "ECS", "name": app}
        ),
    ]
    resources = [
        sg,
        lb,
        *listeners,
        *rules,
        cluster,
        task,
        *groups,
        service,
        deployment_group,
        repository,
        *others,
    ]
    assert len(resources) == RESOURCES_PER_APP
    return resources


def _wire(
    service: StackResource,
    group: StackResource,
    *,
    cluster: StackResource,
    listeners: list[StackResource],
    app: str,
    native: bool,
) -> None:
    """Give the app's service, cluster and listeners their own names and ARNs in the group, so
    the stack rules match real pairs rather than one shared fixture name."""
    service.props["serviceName" if native else "name"] = app
    service.props["cluster"] = cluster.props["arn"]
    target = {"clusterName": cluster.props["name"], "serviceName": app}
    if native:
        group.props["ecsServices"] = [target]
        pair = group.props["loadBalancerInfo"]["targetGroupPairInfoList"][0]
    else:
        group.props["ecsService"] = target
        pair = group.props["loadBalancerInfo"]["targetGroupPairInfo"]
    pair["prodTrafficRoute"]["listenerArns"] = [listeners[0].props["arn"]]
    pair["testTrafficRoute"]["listenerArns"] = [listeners[1].props["arn"]]


def workload(count: int) -> Workload:
    apps = -(-count // RESOURCES_PER_APP)
    resources = [r for i in range(apps) for r in _app(i)][:count]
    analyze = [
        analyzer_pb2.AnalyzeRequest(
            type=r.type, name=r.name, urn=urn(r.type, r.name), properties=struct(r.props)
        )
        for r in resources
    ]
    stack = analyzer_pb2.AnalyzeStackRequest(resources=[r.message() for r in resources])
    return Workload(analyze, stack)


@dataclass(frozen=True)
class Preview:
    """Seconds one preview took: wall time of the Analyze calls and of the AnalyzeStack call,
    and CPU time of the pack process (None where /proc is missing)."""

    analyze: float
    stack: float
    cpu: float | None

    @property
    def wall(self) -> float:
        return self.analyze + self.stack


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of process ``pid`` so far: fields 14 and 15 of
    /proc/<pid>/stat, in clock ticks (proc(5)). None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CHUNK = 50
"""Analyze requests a pack gets before the next pack's turn: about 50 ms of work, shorter than
the drifts in the machine's speed, so that each pack's preview sees the same machine."""
ROUNDS = 15
"""Rounds of a run, each with fresh pack processes: the verdict is the median of their ratios."""
STACK_CALLS = 3
"""AnalyzeStack calls per pack and round, by turns; a preview is charged their mean. One call
is a tenth of a preview and cannot be split into turns, so one alone carried most of a round's
noise."""


def _turns(names: list[str], count: int) -> Iterator[str]:
    """``count`` turns of every name, the order reversed every other turn, so that the first
    and last names (the pack and its twin) take the same places equally often."""
    for turn in range(count):
        yield from names if turn % 2 == 0 else reversed(names)


def _cpu(clients: dict[str, PackClient]) -> dict[str, float | None]:
    return {name: cpu_seconds(client.pid) for name, client in clients.items()}


def _spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def one_round(clients: dict[str, PackClient], load: Workload) -> dict[str, Preview]:
    """One preview of the workload on every pack, interleaved: the Analyze requests go to the
    packs in chunks of CHUNK by turns, then STACK_CALLS AnalyzeStack calls each by turns. A pack
    waiting for its turn uses no CPU."""
    names = list(clients)
    chunks = [load.analyze[i : i + CHUNK] for i in range(0, len(load.analyze), CHUNK)]
    analyze, stack = dict.fromkeys(names, 0.0), dict.fromkeys(names, 0.0)
    start = _cpu(clients)
    for index, name in enumerate(_turns(names, len(chunks))):
        stub, began = clients[name].stub, time.perf_counter()
        for request in chunks[index // len(names)]:
            stub.Analyze(request)
        analyze[name] += time.perf_counter() - began
    middle = _cpu(clients)
    for name in _turns(names, STACK_CALLS):
        began = time.perf_counter()
        clients[name].stub.AnalyzeStack(load.stack)
        stack[name] += time.perf_counter() - began
    end = _cpu(clients)
    previews = {}
    for name in names:
        analyze_cpu, stack_cpu = _spent(start[name], middle[name]), _spent(middle[name], end[name])
        cpu = (
            None
            if analyze_cpu is None or stack_cpu is None
            else analyze_cpu + stack_cpu / STACK_CALLS
        )
        previews[name] = Preview(analyze[name], stack[name] / STACK_CALLS, cpu)
    return previews


def _no_op_pack(directory: Path, policies: list[tuple[str, str, dict[str, Any]]]) -> Path:
    (directory / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    text = NO_OP_PACK.format(policies=repr(policies), pack_dir=str(PACK_DIR))
    (directory / "__main__.py").write_text(text)
    return directory


def _mirror(client: PackClient) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, kind, config schema) of every policy the pack reports over gRPC."""
    return [
        (
            policy.name,
            "stack" if policy.policy_type == analyzer_pb2.POLICY_TYPE_STACK else "resource",
            json_format.MessageToDict(policy.configSchema.properties),
        )
        for policy in client.info.policies
    ]


@contextmanager
def packs() -> Iterator[dict[str, PackClient]]:
    with (
        tempfile.TemporaryDirectory() as same_dir,
        tempfile.TemporaryDirectory() as one_dir,
        running_pack() as pack,
        running_pack(_no_op_pack(Path(same_dir), _mirror(pack))) as no_op,
        running_pack(_no_op_pack(Path(one_dir), [("nothing", "resource", {})])) as one,
    ):
        for client in (pack, no_op, one):
            # As the CLI configures a pack for a preview: every policy's schema defaults.
            client.configure(schema_defaults=True)
        # The pack and its twin take the ends of the turn order (one_round), alike.
        yield {PACK: pack, "no-op (1 policy)": one, TWIN: no_op}


@dataclass(frozen=True)
class Rates:
    """Median resources per second of one pack: per second of wall time, and per second of
    the pack's CPU time (None without /proc)."""

    wall: float
    cpu: float | None


WARM_UP_REQUESTS = 2 * CHUNK
"""Analyze requests (every resource type of the workload) each fresh pack gets, with the
stack call, before its round is measured: first calls load code and fill caches."""


def measure(load: Workload, rounds: int, report: Callable[[str], None]) -> dict[str, Rates]:
    """Each pack's rates over `rounds` previews (`paired`). Every round starts the packs afresh
    (`packs`): a pack process's speed depends on the process, by up to a few percent between
    two starts of the same code, so a run that kept its processes was decided by one draw
    (docs/policies.md). Within a round the packs take turns (`one_round`)."""
    previews: dict[str, list[Preview]] = {}
    count = len(load.analyze)
    warm_up = Workload(load.analyze[:WARM_UP_REQUESTS], load.stack)
    for round_ in range(rounds):
        with packs() as clients:
            one_round(clients, warm_up)
            measured = one_round(clients, load)
        lines = []
        for name, preview in measured.items():
            previews.setdefault(name, []).append(preview)
            cpu = "" if preview.cpu is None else f", pack CPU {preview.cpu:.2f} s"
            lines.append(
                f"{name} {count / preview.wall:,.0f}/s"
                f" (Analyze {preview.analyze:.2f} s, AnalyzeStack {preview.stack:.2f} s{cpu})"
            )
        report(f"round {round_ + 1}/{rounds}: " + "; ".join(lines))
    return paired(count, previews)


def paired(count: int, previews: dict[str, list[Preview]]) -> dict[str, Rates]:
    """The twin's median rates, and each other pack's as the twin's times the median of its
    round-by-round ratios to the twin: a round's previews run back to back and share the
    machine's state, which varies between rounds (docs/policies.md)."""
    twin_runs = previews[TWIN]
    twin_cpus = [p.cpu for p in twin_runs if p.cpu is not None]
    twin = Rates(
        wall=count / statistics.median(p.wall for p in twin_runs),
        cpu=count / statistics.median(twin_cpus) if len(twin_cpus) == len(twin_runs) else None,
    )
    rates = {}
    for name, runs in previews.items():
        pairs = list(zip(runs, twin_runs, strict=True))
        wall = statistics.median(t.wall / r.wall for r, t in pairs)
        cpus = [(r.cpu, t.cpu) for r, t in pairs if r.cpu is not None and t.cpu is not None]
        cpu = statistics.median(t / r for r, t in cpus) if len(cpus) == len(pairs) else None
        rates[name] = Rates(
            wall=twin.wall * wall,
            cpu=None if cpu is None or twin.cpu is None else twin.cpu * cpu,
        )
    return rates


def verdict(rates: dict[str, Rates], minimum: float = MINIMUM_RATIO) -> tuple[bool, list[str]]:
    """Whether the pack keeps ``minimum`` of its twin's throughput (per CPU second when both
    were measured, else per wall second), and the lines that say so."""
    pack, twin = rates[PACK], rates[TWIN]
    wall = pack.wall / twin.wall
    lines = [f"{'wall-time ratio':>24}: {wall:10.1%} of the no-op twin"]
    if pack.cpu is not None and twin.cpu is not None:
        ratio, basis = pack.cpu / twin.cpu, "CPU-time ratio"
        lines.append(f"{basis:>24}: {ratio:10.1%} of the no-op twin")
    else:
        ratio, basis = wall, "wall-time ratio (no /proc for CPU time)"
    passed = ratio >= minimum
    if passed:
        lines.append(f"PASS: {basis} {ratio:.1%} >= minimum {minimum:.0%}")
    else:
        lines.append(
            f"FAIL: {basis} {ratio:.1%} is below the minimum {minimum:.0%}: the pack now slows"
            " every preview of every stack. Find the cost with `python -m bench.pack_profile`."
        )
    return passed, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    load = workload(args.resources)
    rates = measure(load, args.rounds, lambda line: print(line, flush=True))
    print(f"resources: {args.resources} (Analyze each, then one AnalyzeStack)")
    print(f"rounds: {args.rounds}, fresh packs each, each pack against the twin of its round")
    for name, rate in rates.items():
        cpu = "" if rate.cpu is None else f", {rate.cpu:10,.0f} per pack CPU second"
        print(f"{name:>24}: {rate.wall:10,.0f} resources/s{cpu}")
    passed, lines = verdict(rates)
    for line in lines[:-1]:
        print(line)
    print(lines[-1], file=sys.stdout if passed else sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
