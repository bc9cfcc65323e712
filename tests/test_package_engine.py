"""The package through the real Pulumi CLI: a program deploys and releases it with the modelled
providers, a YAML program previews it, and a TypeScript program type-checks (tsc) against the SDK
the CLI generates.

These need tools this repository builds or finds elsewhere: the CLI (`scripts/engine` builds
`.tools/pulumi/bin/pulumi`; a `pulumi` on PATH also works), the modelled providers
(`offline/plugins`), the YAML language host, and for TypeScript the Node.js language host (SDK
generation) and `tsc` with `@pulumi/pulumi` installed. Each test is skipped with one line naming
what is missing.

The deploying program (tests/package_consumer) is Python, run by `scripts/offline`'s program host
(the module proxy serves no language hosts, docs/offline.md), and registers the component as a
remote component, exactly as the generated SDKs of other languages do.

The plugin is handed to the CLI as the binary plugin `pulumi-resource-ecs-blue-green` that runs
`python package/`: what `pulumi package add ./package` sets up through the Python language host.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.runtime_ref import OUTPUT_FIELDS
from package import schema
from tests.engine.support import CLI, FULL
from tests.harness import ROOT

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1"


PLUGINS = ROOT / "offline" / "plugins"
CONSUMER = ROOT / "tests" / "package_consumer"
NO_CLI = "no Pulumi CLI: scripts/engine builds .tools/pulumi/bin/pulumi (or put pulumi on PATH)"


def _tool(name: str) -> Path | None:
    beside = CLI.parent / name if CLI else None
    if beside and beside.exists():
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def _missing_for_offline() -> str | None:
    if CLI is None:
        return NO_CLI
    if not FULL:
        return "the package deployed through the engine runs with ENGINE_TIER=all (1-2 min)"
    if not (ROOT / "offline" / "run.py").exists():
        return "no program host and modelled providers (offline/run.py, scripts/offline)"
    return None


def _missing_for_yaml() -> str | None:
    if CLI is None:
        return (
            "no Pulumi CLI: scripts/engine builds .tools/pulumi/bin/pulumi (or put pulumi on PATH)"
        )
    if not PLUGINS.is_dir():
        return "no modelled providers in offline/plugins (scripts/offline)"
    if _tool("pulumi-language-yaml") is None:
        return "no YAML language host (pulumi-language-yaml) beside the CLI or on PATH"
    return None


def _node_modules() -> Path | None:
    for candidate in (ROOT / "node_modules", ROOT / ".tools" / "node" / "node_modules"):
        if (candidate / "@pulumi" / "pulumi").is_dir() and (candidate / ".bin" / "tsc").exists():
            return candidate
    return None


def _missing_for_typescript() -> str | None:
    if CLI is None:
        return (
            "no Pulumi CLI: scripts/engine builds .tools/pulumi/bin/pulumi (or put pulumi on PATH)"
        )
    if _tool("pulumi-language-nodejs") is None:
        return "no Node.js language host (pulumi-language-nodejs) for `pulumi package gen-sdk`"
    if _node_modules() is None:
        return "no tsc with @pulumi/pulumi in node_modules or .tools/node/node_modules"
    return None


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
    shared_runtime = {key: f"${{shared.{key}}}" for key in OUTPUT_FIELDS}
    return {
        "name": "consumer",
        "runtime": "yaml",
        "resources": {
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
        },
        "outputs": {"url": "${api.url}"},
    }


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
    types = {step["urn"].split("::")[2].rsplit("$", 1)[-1] for step in document["steps"]}
    assert {schema.SERVICE, schema.RUNTIME, "ecs-blue-green:index:EcsReleaseCheck"} <= types
    assert "aws:ecs/service:Service" in types


TYPESCRIPT = """
import * as pulumi from "@pulumi/pulumi";
import * as ecsbg from "./sdk/nodejs";

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

#: Each must fail tsc: a plain setting given an output, a value outside an enum.
REFUSED = (
    'new ecsbg.BlueGreenService("x", { cpu: pulumi.output(512) });',
    'new ecsbg.BlueGreenService("x", { deploymentController: "EKS" });',
)


def test_a_typescript_program_type_checks_against_the_generated_sdk(tmp_path: Path) -> None:
    missing = _missing_for_typescript()
    if missing:
        pytest.skip(missing)
    node_modules = _node_modules()
    assert node_modules is not None
    env = _environment(tmp_path)
    generated = _run(
        ["package", "gen-sdk", str(schema.SNAPSHOT), "--language", "nodejs", "--out", "sdk"],
        tmp_path,
        env,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    (tmp_path / "node_modules").symlink_to(node_modules)
    (tmp_path / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {"strict": True, "noEmit": True, "skipLibCheck": True},
                "files": ["index.ts"],
            }
        )
    )
    tsc = [str(node_modules / ".bin" / "tsc"), "-p", str(tmp_path)]
    (tmp_path / "index.ts").write_text(TYPESCRIPT)
    checked = subprocess.run(tsc, capture_output=True, text=True, timeout=300, check=False)
    assert checked.returncode == 0, checked.stdout
    for line in REFUSED:
        (tmp_path / "index.ts").write_text(TYPESCRIPT + line + "\n")
        refused = subprocess.run(tsc, capture_output=True, text=True, timeout=300, check=False)
        assert refused.returncode != 0, line
