"""Drives a policy pack the way the Pulumi CLI does: as a subprocess over the Analyzer gRPC API.

For a Python pack the CLI runs its `pulumi-analyzer-policy-python` shim from inside the pack
directory, which runs `<pack venv>/bin/python -u -m pulumi.policy <engine address> .`; that
module runs the directory's `__main__.py` with the directory on `sys.path`. The pack prints the
port of its Analyzer server as the first stdout line (unflushed by the SDK: without `-u` or
PYTHONUNBUFFERED it never reaches a pipe). The Python SDK never dials the engine address, so the
one passed here is unused. The tests use the project's .venv, which holds the same packages as
`policies/requirements.txt` would install into `policies/venv`.

Properties are sent as the engine sends them: a protobuf Struct of camelCase names, numbers as
doubles, unknown values (preview) as the SDK's sentinel strings.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"
UNKNOWN = UNKNOWN_STRING_VALUE
"""How the engine sends a value that is not known during preview (strings and most others)."""
ENGINE_ADDRESS = "127.0.0.1:1"
START_TIMEOUT_SECONDS = 30

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}


def urn(type_: str, name: str, stack: str = "dev", project: str = "ecs-blue-green") -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Engine encoding of a property map (assets and archives with their signatures)."""
    message = struct_pb2.Struct()
    message.update(dict(serialize_properties(props)))
    return message


@dataclass(frozen=True)
class Diagnostic:
    """One violation as the CLI would print it."""

    policy: str
    level: str
    message: str
    urn: str


@dataclass(frozen=True)
class Result:
    """The pack's answer to one Analyze or AnalyzeStack call."""

    diagnostics: list[Diagnostic]
    not_applicable: dict[str, str]
    """Policy name -> reason."""

    def of(self, policy: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy == policy]

    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "mandatory"]


@dataclass
class StackResource:
    """A resource as AnalyzeStack receives it: outputs plus the dependency graph."""

    type: str
    name: str
    props: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    parent: str = ""
    urn: str = ""

    def __post_init__(self) -> None:
        self.urn = self.urn or urn(self.type, self.name)

    def message(self) -> analyzer_pb2.AnalyzerResource:
        return analyzer_pb2.AnalyzerResource(
            type=self.type,
            name=self.name,
            urn=self.urn,
            properties=struct(self.props),
            parent=self.parent,
            dependencies=self.dependencies,
            propertyDependencies={
                key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                for key, urns in self.property_dependencies.items()
            },
        )


def _result(response: analyzer_pb2.AnalyzeResponse) -> Result:
    return Result(
        [
            Diagnostic(d.policyName, LEVEL_NAMES[d.enforcementLevel], d.message, d.urn)
            for d in response.diagnostics
        ],
        {n.policy_name: n.reason for n in response.not_applicable},
    )


class PackClient:
    """Analyzer calls against a running pack."""

    def __init__(self, channel: grpc.Channel, pid: int) -> None:
        self.stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        self.pid = pid
        """Process ID of the pack (the benchmark reads its CPU time)."""
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def default_levels(self) -> dict[str, str]:
        return {p.name: LEVEL_NAMES[p.enforcementLevel] for p in self.info.policies}

    def schema_defaults(self) -> dict[str, dict[str, Any]]:
        return {
            p.name: {
                key: prop["default"]
                for key, prop in json_format.MessageToDict(p.configSchema.properties).items()
            }
            for p in self.info.policies
        }

    def configure(
        self,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        schema_defaults: bool = False,
    ) -> None:
        """Configure like the CLI: every policy gets its level (default unless overridden by
        `enforcementLevel`) and properties; the CLI also fills schema defaults in, which tests
        leave out unless `schema_defaults` is set."""
        overrides = overrides or {}
        defaults = self.schema_defaults()
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for policy, default_level in self.default_levels().items():
            wanted = dict(overrides.get(policy, {}))
            level = wanted.pop("enforcementLevel", default_level)
            props = {**(defaults[policy] if schema_defaults else {}), **wanted}
            request.policyConfig[policy].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[level], properties=struct(props))
            )
        self.stub.Configure(request)

    def analyze(
        self, type_: str, props: Mapping[str, Any], name: str = "subject", **options: Any
    ) -> Result:
        request = analyzer_pb2.AnalyzeRequest(
            type=type_, name=name, urn=urn(type_, name), properties=struct(props), **options
        )
        return _result(self.stub.Analyze(request))

    def analyze_stack(self, resources: list[StackResource]) -> Result:
        request = analyzer_pb2.AnalyzeStackRequest(resources=[r.message() for r in resources])
        return _result(self.stub.AnalyzeStack(request))


@contextmanager
def running_pack(
    pack_dir: Path = PACK_DIR, python: str = sys.executable, command: list[str] | None = None
) -> Iterator[PackClient]:
    """Start the pack as the CLI does (or with `command` after the interpreter), yield a
    client, and kill the pack afterwards."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        # What the CLI sets for a preview of a stack.
        "PULUMI_PROJECT": "ecs-blue-green",
        "PULUMI_STACK": "dev",
        "PULUMI_DRY_RUN": "true",
        "PULUMI_CONFIG": "{}",
    }
    process = subprocess.Popen(
        [python, *(command or ["-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."])],
        cwd=pack_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_SECONDS)
        line = process.stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            process.kill()
            _, stderr = process.communicate(timeout=5)
            raise RuntimeError(f"pack printed {line!r} instead of a port: {stderr.decode()}")
        with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
            grpc.channel_ready_future(channel).result(timeout=START_TIMEOUT_SECONDS)
            yield PackClient(channel, process.pid)
    finally:
        process.kill()
        process.wait(timeout=10)


def dumps(value: Any) -> str:
    """JSON as pulumi-aws sends `containerDefinitions`."""
    return json.dumps(value)
