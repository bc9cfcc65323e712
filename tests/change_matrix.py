"""The change matrix: what each config key's change does to the stack's resources.

For every key declared in `Pulumi.yaml`, `CHANGES` holds one representative change. The dev stack
runs under Pulumi mocks before and after it, and each resource is classified from the engine's
view (inputs and ignoreChanges) plus the provider's ForceNew properties
(`tests/data/provider_force_new.json`, extracted from terraform-provider-aws). The real engine's
plan of every row (tests/engine/matrix.py, checked in as tests/engine/matrix.json) must agree:

- no change: no input differs, or only ignored ones on resources nothing releases;
- update: changed in place;
- release: a new task-definition revision (old ones kept) or a change the CodeDeploy release
  carries (a release input of the release resource; the service properties CodeDeploy owns);
- replace: a ForceNew input changed (or the resource appears/disappears under a new name);
- refused: the program refuses the change at preview (components.identity_guard).

`python -m tests.change_matrix` prints the Markdown table; `--write` refreshes it in
docs/operations.md, and tests/test_change_matrix.py fails when that copy is stale.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from components.release.codedeploy.release import RELEASE_KEYS
from components.release.ecs.deployment_check import CHECK_KEYS
from tests.harness import ROOT, Registration, StackMocks, StackRun, run_main, stack_config
from tests.runtime.support import SHARED_STACK, mocks_with_runtime, runtime_outputs

PROJECT = "ecs-blue-green"
FORCE_NEW_FILE = ROOT / "tests" / "data" / "provider_force_new.json"
DOC = ROOT / "docs" / "operations.md"
BEGIN = "<!-- change-matrix:begin (python -m tests.change_matrix --write) -->"
END = "<!-- change-matrix:end -->"

EFFECTS = ("no change", "update", "release", "replace", "refused")
CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
HOOK = "arn:aws:lambda:eu-west-1:123456789012:function:smoke"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v2"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db-AbCdEf"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
QUEUE_POLICY = "arn:aws:iam::123456789012:policy/orders-queue"
LOG_ROUTER = json.dumps(
    {"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"}
)
EXISTING_VPC = {
    "vpcId": "vpc-0abc",
    "publicSubnetIds": ["subnet-0a", "subnet-0b"],
    "privateSubnetIds": ["subnet-1a", "subnet-1b"],
}

#: An ECS-controlled service on the shared runtime's listeners, routed by host.
ATTACHED = {
    "sharedStack": SHARED_STACK,
    "deploymentController": "ECS",
    "hostHeaders": ["api.example.com"],
    "imageUri": IMAGE,
}

#: The release resource: its inputs change exactly when CodeDeploy must deploy.
RELEASE_TYPE = "pulumi-python:dynamic:Resource"
#: Replacements that cut no traffic and lose no rollback target, and why.
SAFE_REPLACEMENTS: dict[str, str] = {
    "aws:ecs/taskDefinition:TaskDefinition": (
        "every change is a new revision (ECS revisions are immutable); old revisions are kept "
        "(skip_destroy) as rollback targets and the release deploys the new one"
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (
        "its policy is immutable; deleted before its replacement is created (deleteBeforeReplace),"
        " since both act on the one policy of the repository: a few seconds without expiry"
    ),
    "aws:codedeploy/deploymentConfig:DeploymentConfig": (
        "a custom traffic shift is immutable; the group switches to the new config in place "
        "and the old one is deleted afterwards"
    ),
}
#: Resources whose replacement would cut traffic or lose rollback targets: never allowed.
DANGEROUS = (
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/listener:Listener",
    "aws:lb/targetGroup:TargetGroup",
    "aws:ecs/service:Service",
    "aws:ecr/repository:Repository",
    "aws:codedeploy/deploymentGroup:DeploymentGroup",
)


@dataclass(frozen=True)
class Change:
    """One row: a key and the value it changes to."""

    key: str
    value: Any
    also: Mapping[str, Any] = field(default_factory=dict)
    """Settings both runs share, when the key acts only together with others (autoscaling
    bounds need autoscalingEnabled); may hold the key's own baseline value."""
    needs: Mapping[str, Any] = field(default_factory=dict)
    """Settings the change itself brings along (vpcId needs its subnets)."""


#: One representative change per key declared in Pulumi.yaml. Add a row per new key.
CHANGES: tuple[Change, ...] = (
    Change("serviceName", "api"),
    Change("imageUri", IMAGE),
    Change("imageRetainCount", 30),
    Change("containerPort", 8000),
    Change("healthCheckPath", "/ready"),
    Change("containerHealthCheckCommand", ["CMD", "node", "/app/check.js"]),
    Change("cpu", 512, also={"memory": 1024}),
    Change("memory", 1024),
    Change("desiredCount", 3),
    Change("healthCheckGracePeriodSeconds", 30),
    Change("stopTimeoutSeconds", 60),
    Change("logRetentionDays", 30),
    Change("readOnlyRootFilesystem", False),
    Change("autoscalingEnabled", True),
    Change("autoscalingMinCount", 3, also={"autoscalingEnabled": True, "desiredCount": 3}),
    Change("autoscalingMaxCount", 10, also={"autoscalingEnabled": True}),
    Change("autoscalingCpuTargetPercent", 50, also={"autoscalingEnabled": True}),
    Change("certificateArn", CERT),
    Change("testListenerPort", 9090),
    Change("allowedCidrs", ["10.0.0.0/8"]),
    Change("testListenerCidrs", ["10.0.0.0/8"]),
    Change("healthCheckIntervalSeconds", 15),
    Change("healthyThreshold", 3),
    Change("unhealthyThreshold", 4),
    Change("healthCheckTimeoutSeconds", 4),
    Change("deregistrationDelaySeconds", 60),
    Change("trafficShift", "Canary10Percent5Minutes"),
    Change("terminationWaitMinutes", 30),
    Change("approvalWaitMinutes", 30),
    Change("alarmsEnabled", False),
    Change("alarm5xxThreshold", 10),
    Change("testGateEnabled", False),
    Change("testGatePaths", ["/health", "/"]),
    Change("beforeInstallHook", HOOK),
    Change("afterInstallHook", HOOK),
    Change("afterAllowTestTrafficHook", HOOK, also={"testGateEnabled": False}),
    Change("beforeAllowTrafficHook", HOOK),
    Change("afterAllowTrafficHook", HOOK),
    Change("deploymentTimeoutMinutes", 90),
    Change("natStrategy", "single"),
    Change("vpcId", "vpc-0abc", needs={"publicSubnetIds": ["subnet-0a", "subnet-0b"]}),
    Change("publicSubnetIds", ["subnet-0a", "subnet-0c"], also=EXISTING_VPC),
    Change("privateSubnetIds", ["subnet-1a", "subnet-1c"], also=EXISTING_VPC),
    Change("sslPolicy", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", also={"certificateArn": CERT}),
    Change("httpRedirect", False, also={"certificateArn": CERT}),
    Change("allowServiceRename", True),
    Change("deploymentController", "ECS"),
    Change("ecsHooks", [f"POST_SCALE_UP={HOOK}"], also={"deploymentController": "ECS"}),
    Change("accessLogsEnabled", True),
    Change("accessLogsExpirationDays", 30, also={"accessLogsEnabled": True}),
    Change("logEncryptionEnabled", True),
    Change("flowLogsEnabled", True),
    Change("flowLogsRetentionDays", 60, also={"flowLogsEnabled": True}),
    Change("wafEnabled", True),
    Change("permissionsBoundaryArn", "arn:aws:iam::123456789012:policy/deploy-boundary"),
    Change("sharedStack", SHARED_STACK),
    Change("hostHeaders", ["shop.example.com"], also=ATTACHED),
    Change("pathPatterns", ["/api/*"], also=ATTACHED),
    Change("listenerRulePriority", 100, also=ATTACHED),
    Change("appVersion", "v2"),
    Change("failHealthCheck", True),
    Change("releaseWaitForCompletion", True),
    Change("releaseRetry", "2026-11-29"),
    Change("releaseOverrideAlarms", "INC-1234"),
    Change("environment", ["LOG_LEVEL=debug"]),
    Change("secrets", [f"DB_PASSWORD={SECRET}:password::"]),
    Change("secretsKmsKeyArn", KEY, also={"secrets": [f"DB_PASSWORD={SECRET}"]}),
    Change("taskRolePolicyArns", [QUEUE_POLICY]),
    Change("cpuArchitecture", "ARM64"),
    Change("enableExecuteCommand", True),
    Change("fargateSpotPercent", 50),
    Change("sidecars", [LOG_ROUTER]),
)


@dataclass
class Row:
    change: Change
    effects: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Resource label (type tail and name) -> (full type, effect), for every resource whose
    effect is not "no change"."""
    refusal: str = ""

    @property
    def effect(self) -> str:
        """The row's worst effect; creating or deleting a resource is an update of the stack."""
        if self.refusal:
            return "refused"
        ranks = [EFFECTS.index(RANKED_AS.get(e, e)) for _, e in self.effects.values()]
        return EFFECTS[max(ranks, default=0)]

    def replaced(self) -> dict[str, str]:
        """Replaced resources: label -> full type."""
        return {label: typ for label, (typ, effect) in self.effects.items() if effect == "replace"}


#: Per-resource effects that count as an update of the stack.
RANKED_AS = {"create": "update", "delete": "update", "retain": "update"}


@dataclass(frozen=True)
class Replacing:
    """What makes the provider replace one resource type."""

    force_new: frozenset[str]
    """Inputs whose change replaces the resource."""
    sources: frozenset[str] = frozenset()
    """Mutually exclusive inputs (security-group rule sources): switching from one to another
    replaces the resource, changing one's value does not."""


def load_force_new(path: Path = FORCE_NEW_FILE) -> dict[str, Replacing]:
    """The replacement rules of each resource type (engine, camelCase, input names)."""
    data = json.loads(path.read_text())
    return {
        typ: Replacing(
            frozenset(entry["forceNew"]), frozenset(entry.get("replaceWhenSourceChanges", ()))
        )
        for typ, entry in data["resources"].items()
    }


def _comparable(value: Any) -> Any:
    """Inputs as plain data; assets and archives by content, not object identity."""
    if isinstance(value, pulumi.FileAsset | pulumi.FileArchive):
        return {"path": str(value.path)}
    if isinstance(value, pulumi.AssetArchive):
        return {"assets": {k: _comparable(v) for k, v in value.assets.items()}}
    if isinstance(value, Mapping):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _config(change: Change, *, changed: bool) -> dict[str, Any]:
    settings = dict(change.also)
    if changed:
        settings |= {**change.needs, change.key: change.value}
    return stack_config("dev") | {f"{PROJECT}:{key}": v for key, v in settings.items()}


def classify(before: Registration, after: Registration, rules: Mapping[str, Replacing]) -> str:
    """The effect on one resource present in both runs."""
    old, new = _comparable(before.inputs), _comparable(after.inputs)
    changed = {key for key in set(old) | set(new) if old.get(key) != new.get(key)}
    if not changed:
        return "no change"
    if after.type == RELEASE_TYPE and "started_at" in new:
        # The ECS controller's dynamic resources decide by their own diff (started_at changes
        # on every run): the release check on CHECK_KEYS, the first-run marker never.
        keys = CHECK_KEYS if after.name.endswith("-release-check") else ()
        return "update" if changed & set(keys) else "no change"
    if after.type == RELEASE_TYPE:
        # The release's own Diff (components/release/codedeploy/release.py) plans a step only
        # when a release input changed: the engine keeps the others (how a release is watched,
        # retry and hotfix tokens) in the state for the next release, and changes nothing.
        return "release" if changed & set(RELEASE_KEYS) else "no change"
    if after.type not in rules:
        raise KeyError(
            f"{after.type}: no ForceNew entry in {FORCE_NEW_FILE.name}; add it from the provider"
        )
    live = changed - set(after.ignore_changes)
    if not live:
        # Ignored inputs of the service are the ones CodeDeploy applies in the release.
        return "release" if after.type == "aws:ecs/service:Service" else "no change"
    rule = rules[after.type]
    source_switched = {k for k in rule.sources if k in old} != {k for k in rule.sources if k in new}
    if live & rule.force_new or source_switched:
        # A task definition "replacement" is a new revision; the release deploys it.
        return "release" if after.type == "aws:ecs/taskDefinition:TaskDefinition" else "replace"
    return "update"


def compare(
    change: Change, before: StackRun, after: StackRun, rules: Mapping[str, Replacing]
) -> Row:
    """The row for one change: every resource whose effect is not "no change"."""
    old = {r.urn: r for r in before.registrations if r.custom}
    new = {r.urn: r for r in after.registrations if r.custom}
    row = Row(change)
    for urn in sorted(set(old) | set(new)):
        if urn not in new:
            registration = old[urn]
            # retainOnDelete: Pulumi forgets the resource and AWS keeps it.
            effect = "retain" if registration.retain_on_delete else "delete"
        elif urn not in old:
            registration, effect = new[urn], "create"
        else:
            registration, effect = new[urn], classify(old[urn], new[urn], rules)
        if effect != "no change":
            label = f"{registration.type.rsplit(':', 1)[-1]} {registration.name}"
            row.effects[label] = (registration.type, effect)
    return row


def measure(changes: tuple[Change, ...] = CHANGES) -> list[Row]:
    """Runs the dev stack for every row (each baseline once) and classifies the effects."""
    # The cyclic garbage collector is paused: each mocked run leaves thousands of futures
    # behind, and collecting them between runs doubled the matrix's time.
    gc.disable()
    try:
        return _measure(changes)
    finally:
        gc.enable()


def _mocks() -> StackMocks:
    """Every run can see the runtime stack (rows attached to it read it; others ignore it)."""
    return mocks_with_runtime(runtime_outputs())


def _measure(changes: tuple[Change, ...]) -> list[Row]:
    rules = load_force_new()
    baselines: dict[str, StackRun] = {}
    rows: list[Row] = []
    for change in changes:
        base_key = json.dumps(dict(change.also), sort_keys=True)
        if base_key not in baselines:
            baselines[base_key] = run_main(_config(change, changed=False), mocks=_mocks())
        before = baselines[base_key]
        previous = {"identity": before.outputs["identity"]}
        after = run_main(
            _config(change, changed=True),
            raise_errors=False,
            mocks=_mocks(),
            previous_outputs=previous,
        )
        if after.error is not None:
            rows.append(Row(change, refusal=str(after.error).splitlines()[-1].strip(" -")))
        else:
            rows.append(compare(change, before, after, rules))
    return rows


EFFECT_ORDER = ("replace", "delete", "retain", "create", "release", "update")


def render(rows: list[Row]) -> str:
    """The Markdown table of docs/operations.md."""
    lines = [
        "| key | representative change | effect | resources |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        change = row.change
        shown = json.dumps(change.value)
        context = {**change.also, **change.needs}
        context.pop(change.key, None)
        if context:
            shown += " (with " + ", ".join(f"{k}={json.dumps(v)}" for k, v in context.items())
            shown += ")"
        if row.refusal:
            detail = row.refusal.split(";")[0]
        else:
            grouped: dict[str, list[str]] = {}
            for label, (_, effect) in row.effects.items():
                grouped.setdefault(effect, []).append(label)
            detail = "; ".join(
                f"{effect}: " + ", ".join(sorted(grouped[effect]))
                for effect in EFFECT_ORDER
                if effect in grouped
            )
        lines.append(f"| `{change.key}` | {shown} | {row.effect} | {detail or '-'} |")
    lines += ["", "Replacements on the safe list (any other replacement fails the test):", ""]
    lines += [f"- `{typ}`: {why}" for typ, why in SAFE_REPLACEMENTS.items()]
    return "\n".join(lines) + "\n"


def with_matrix(document: str, table: str) -> str:
    """`document` with the text between the matrix markers replaced by `table`."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def main(argv: list[str]) -> int:
    table = render(measure())
    if "--write" in argv:
        DOC.write_text(with_matrix(DOC.read_text(), table))
    else:
        sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
