"""The package through the real Pulumi CLI: a program deploys and releases it with the modelled
providers, a YAML program previews it, and the TypeScript and Go snippets of docs/languages.md
compile (tsc, go build) against the SDKs generated from the schema.

These need tools this repository builds or finds elsewhere: the CLI (`scripts/engine` builds
`.tools/pulumi/bin/pulumi`; a `pulumi` on PATH also works), the modelled providers
(`offline/plugins`), and what scripts/engine builds beside the CLI: the YAML language host
(`pulumi-language-yaml`) and `pulumi-gen-sdk`, the CLI's TypeScript and Go code generators
without the language hosts the module proxy refuses (tests/package_sdks/gen-sdk). TypeScript
needs tests/package_sdks/typescript's pinned `typescript` and `@pulumi/pulumi` (scripts/setup
installs them), Go the module proxy or a warm module cache. Each test is skipped with one line
naming what is missing. They run in the engine tier (ENGINE_TIER=1: YAML and TypeScript, about
8 s together); the deploying program and the Go build (2-3 min on a cold Go build cache) need
ENGINE_TIER=all.

The deploying program (tests/package_consumer) is Python, run by `scripts/offline`'s program host
(the module proxy serves no language hosts, docs/offline.md), and registers the component as a
remote component, exactly as the generated SDKs of other languages do.

The plugin is handed to the CLI as the binary plugin `pulumi-resource-ecs-blue-green` that runs
`python package/`: what `pulumi package add ./package` sets up through the Python language host.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.runtime_ref import OUTPUT_FIELDS
from package import schema
from tests.engine.support import CLI, ENABLED, FULL, SKIP_REASON, type_of
from tests.harness import ROOT

pytestmark = pytest.mark.long

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1"


PLUGINS = ROOT / "offline" / "plugins"
CONSUMER = ROOT / "tests" / "package_consumer"
SDK_CHECKS = ROOT / "tests" / "package_sdks"
DOCS = ROOT / "docs" / "languages.md"
NO_CLI = "no Pulumi CLI: scripts/engine builds .tools/pulumi/bin/pulumi (or put pulumi on PATH)"


def _tool(name: str) -> Path | None:
    beside = CLI.parent / name if CLI else None
    if beside and beside.exists():
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def _missing_tool(name: str) -> str | None:
    """Why `name` (built by scripts/engine beside the CLI) is not there, or None."""
    if CLI is None:
        return NO_CLI
    if not ENABLED:
        return SKIP_REASON
    if _tool(name) is not None:
        return None
    failed = CLI.parent.parent / f"{name}.failed"
    why = " ".join(failed.read_text().splitlines()[1:]) if failed.exists() else "not built yet"
    return f"no {name} beside the CLI or on PATH (scripts/engine builds it): {why}"


def snippet(language: str) -> str:
    """The one fenced `language` block of docs/languages.md: what the tests compile is what the
    page shows."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", DOCS.read_text(), re.M | re.S)
    assert len(blocks) == 1, f"docs/languages.md: expected one {language} block"
    return str(blocks[0])


def _missing_for_offline() -> str | None:
    if CLI is None:
        return NO_CLI
    if not FULL:
        return "the package deployed through the engine runs with ENGINE_TIER=all (1-2 min)"
    if not (ROOT / "offline" / "run.py").exists():
        return "no program host and modelled providers (offline/run.py, scripts/offline)"
    return None


def _missing_for_yaml() -> str | None:
    if not PLUGINS.is_dir():
        return "no modelled providers in offline/plugins (scripts/offline)"
    return _missing_tool("pulumi-language-yaml")


TYPESCRIPT_MODULES = SDK_CHECKS / "typescript" / "node_modules"


def _missing_for_typescript() -> str | None:
    if not (TYPESCRIPT_MODULES / ".bin" / "tsc").exists():
        return "no tsc in tests/package_sdks/typescript/node_modules (scripts/setup installs it)"
    return _missing_tool("pulumi-gen-sdk")


def _missing_for_go() -> str | None:
    if shutil.which("go") is None:
        return "no Go toolchain (https://go.dev/dl)"
    missing = _missing_tool("pulumi-gen-sdk")
    if missing is None and not FULL:
        return "the Go SDK build runs with ENGINE_TIER=all (2-3 min on a cold Go build cache)"
    return missing


def _generate_sdk(language: str, out: Path) -> None:
    """The SDK `pulumi package add` would generate for `language`, from the schema snapshot."""
    gen_sdk = _tool("pulumi-gen-sdk")
    assert gen_sdk is not None
    done = subprocess.run(
        [str(gen_sdk), str(schema.SNAPSHOT), language, str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _environment(tmp_path: Path) -> dict[str, str]:
    """A local backend, the modelled providers and our plugin first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "pulumi-resource-ecs-blue-green"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "package"}" "$@"\n')
    shim.chmod(0o755)
    assert CLI is not None
    path = os.pathsep.join([str(bin_dir), str(PLUGINS), str(CLI.parent), os.environ["PATH"]])
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    return {
        **os.environ,
        "PATH": path,
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": "engine-tests",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert CLI is not None
    return subprocess.run(
        [str(CLI), *args, "--non-interactive"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _offline(
    tmp_path: Path, *args: str, fail_releases: bool = False
) -> subprocess.CompletedProcess[str]:
    """`scripts/offline` on the consumer program, our plugin first on PATH."""
    state = tmp_path / "offline" / "state"
    command = [sys.executable, "-m", "offline.run", "--project", str(CONSUMER)]
    return subprocess.run(
        [*command, "--state", str(state), "--", *args, "--stack", "dev"],
        cwd=ROOT,
        env={
            **_environment(tmp_path),
            "OFFLINE_TIME_FACTOR": "300",
            "OFFLINE_RELEASE_FAILS": "1" if fail_releases else "0",
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_a_program_deploys_and_releases_the_package_through_the_engine(tmp_path: Path) -> None:
    """Construct, the release resource's Create and Update, a failed release and setting errors,
    all through the engine: what a TypeScript or Go program gets."""
    missing = _missing_for_offline()
    if missing:
        pytest.skip(missing)
    up = _offline(tmp_path, "up", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "ecs-blue-green:index:CodeDeployRelease web-release created" in up.stdout
    assert "aws:ecs:Service web-service created" in up.stdout
    shown = _offline(tmp_path, "stack", "output", "--json")
    outputs = json.loads(shown.stdout)
    assert outputs["url"].startswith("http://web-alb-")
    assert outputs["serviceName"].startswith("web-service-")  # auto-named by the engine
    assert outputs["codedeployDeploymentGroup"]

    release = _offline(tmp_path, "up", "--yes", "--config", "package-consumer:appVersion=v2")
    assert release.returncode == 0, release.stdout + release.stderr
    assert "ecs-blue-green:index:CodeDeployRelease web-release updated" in release.stdout
    assert "[diff: ~task_definition_arn]" in release.stdout

    broken = _offline(
        tmp_path, "up", "--yes", "--config", "package-consumer:appVersion=v3", fail_releases=True
    )
    assert broken.returncode != 0
    assert "Failed: [HOOK_EXECUTION_FAILURE]" in broken.stdout
    assert "Unexpected <class" not in broken.stdout  # CodeDeploy's words, not a gRPC wrapping

    refused = _offline(tmp_path, "preview", "--config", "package-consumer:cpu=300")
    assert refused.returncode != 0
    assert "property cpu with value 300 has a problem: cpu: 300 is not a Fargate size" in (
        refused.stdout
    )


def _yaml_program() -> dict[str, Any]:
    """docs/languages.md's YAML program, plus a `SharedRuntime` and a service on its outputs."""
    program = yaml.safe_load(snippet("yaml"))
    shared_runtime = {key: f"${{shared.{key}}}" for key in OUTPUT_FIELDS}
    program["resources"].update(
        {
            "shared": {"type": "ecs-blue-green:SharedRuntime", "properties": {"protect": False}},
            "api": {
                "type": "ecs-blue-green:BlueGreenService",
                "properties": {
                    "imageUri": IMAGE,
                    "deploymentController": "ECS",
                    "hostHeaders": ["api.example.com"],
                    "sharedRuntime": shared_runtime,
                    "cpu": 512,
                    "memory": 1024,
                },
            },
        }
    )
    return {"name": "consumer", "runtime": "yaml", **program}


def test_a_yaml_program_previews_the_package(tmp_path: Path) -> None:
    missing = _missing_for_yaml()
    if missing:
        pytest.skip(missing)
    project = tmp_path / "consumer"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(json.dumps(_yaml_program()))
    env = _environment(tmp_path)
    for args in (["stack", "init", "dev"], ["config", "set", "aws:region", "eu-west-1"]):
        done = _run(args, project, env)
        assert done.returncode == 0, done.stderr
    preview = _run(["preview", "--json"], project, env)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    document = json.loads(preview.stdout[preview.stdout.index("{") :])
    urns = [step["urn"] for step in document["steps"]]
    names = {urn.rsplit("::", 1)[-1] for urn in urns}
    types = {type_of(urn) for urn in urns}
    assert {"web", "shared", "api"} <= names
    assert {schema.SERVICE, schema.RUNTIME, "ecs-blue-green:index:EcsReleaseCheck"} <= types
    assert "aws:ecs/service:Service" in types
    # The docs' sidecar reaches the task definition of the docs' service.
    definitions = [
        step["newState"]["inputs"]["containerDefinitions"]
        for step in document["steps"]
        if step["urn"].endswith("aws:ecs/taskDefinition:TaskDefinition::web-task")
    ]
    assert len(definitions) == 1
    assert "aws-otel-collector" in definitions[0]


#: A program beyond the docs: outputs of other resources where the schema takes them, outputs read.
PROGRAM = """
import * as pulumi from "@pulumi/pulumi";
import * as ecsbg from "@pulumi/ecs-blue-green";

const vpcId: pulumi.Output<string> = pulumi.output("vpc-0123");
const shared = new ecsbg.SharedRuntime("shared", { natStrategy: "single" });
export const web = new ecsbg.BlueGreenService("web", {
    imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1",
    vpcId,
    publicSubnetIds: shared.publicSubnetIds,
    cpu: 512,
    deploymentController: "ECS",
    autoscaling: { minCount: 2, maxCount: 4 },
});
export const url: pulumi.Output<string> = web.url;
export const group: pulumi.Output<string | undefined> = web.codedeployDeploymentGroup;
"""

#: Each must fail tsc: a plain setting given an output, a value outside an enum, a sidecar without
#: its image.
REFUSED = (
    'new ecsbg.BlueGreenService("x", { cpu: pulumi.output(512) });',
    'new ecsbg.BlueGreenService("x", { deploymentController: "EKS" });',
    'new ecsbg.BlueGreenService("x", { sidecars: [{ name: "otel" }] });',
)
HEADER = (
    'import * as pulumi from "@pulumi/pulumi";\nimport * as ecsbg from "@pulumi/ecs-blue-green";\n'
)


def test_the_typescript_snippet_type_checks_against_the_generated_sdk(tmp_path: Path) -> None:
    """One tsc run: the docs' snippet and PROGRAM compile (and with them the generated SDK), and
    each REFUSED line is an error in its own file."""
    missing = _missing_for_typescript()
    if missing:
        pytest.skip(missing)
    _generate_sdk("nodejs", tmp_path / "sdk")
    (tmp_path / "node_modules").symlink_to(TYPESCRIPT_MODULES)
    files = {"docs.ts": snippet("typescript"), "program.ts": PROGRAM}
    files |= {f"refused{n}.ts": HEADER + line + "\n" for n, line in enumerate(REFUSED)}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    options = {"strict": True, "noEmit": True, "skipLibCheck": True, "target": "ES2020"}
    # As `pulumi package add` links it: the package name resolves to the generated sources.
    paths = {"baseUrl": ".", "paths": {"@pulumi/ecs-blue-green": ["./sdk"]}}
    tsconfig = {"compilerOptions": {**options, "module": "commonjs", **paths}, "files": [*files]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(tsconfig))
    checked = subprocess.run(
        [str(TYPESCRIPT_MODULES / ".bin" / "tsc"), "-p", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    failing = {
        line.split("(", 1)[0] for line in checked.stdout.splitlines() if ": error TS" in line
    }
    assert failing == {f"refused{n}.ts" for n in range(len(REFUSED))}, checked.stdout


def test_the_go_snippet_builds_against_the_generated_sdk(tmp_path: Path) -> None:
    """The docs' Go lines in a program, built with the Pulumi Go SDK that tests/package_sdks/go
    pins, against the generated SDK linked as `pulumi package add` links it (a local replace)."""
    missing = _missing_for_go()
    if missing:
        pytest.skip(missing)
    for name in ("go.mod", "go.sum"):
        shutil.copy(SDK_CHECKS / "go" / name, tmp_path / name)
    _generate_sdk("go", tmp_path / "sdk")
    body = "\n".join("\t\t" + line if line else "" for line in snippet("go").splitlines())
    (tmp_path / "main.go").write_text(
        "package main\n\nimport (\n"
        '\t"example.com/pulumi-ecs-blue-green/sdk/go/ecsbluegreen"\n'
        '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"\n)\n\n'
        "func main() {\n\tpulumi.Run(func(ctx *pulumi.Context) error {\n"
        f"{body}\n\t\treturn nil\n\t}})\n}}\n"
    )
    built = subprocess.run(
        ["go", "build", "-mod=readonly", "-o", os.devnull, "."],
        cwd=tmp_path,
        env={**os.environ, "GOFLAGS": "-mod=readonly"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stderr
