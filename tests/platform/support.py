"""Runs the platform program under mocks with the example stack file or variations of it."""

from __future__ import annotations

import copy
import json
import runpy
from typing import Any

import pulumi
import yaml

from tests.harness import ACCOUNT, REGION, ROOT, StackMocks, StackRun, run_program

PLATFORM = ROOT / "platform" / "org"
NAMESPACE = "ecs-blue-green-platform"
EXAMPLE = PLATFORM / "Pulumi.example.yaml"


def example_config() -> dict[str, Any]:
    """The `config:` block of Pulumi.example.yaml, keys namespaced, as the CLI passes it."""
    return copy.deepcopy(dict(yaml.safe_load(EXAMPLE.read_text())["config"]))


def example_values(**overrides: Any) -> dict[str, Any]:
    """Example values without the namespace, as `platform_stack.config.parse` takes them."""
    prefix = f"{NAMESPACE}:"
    values = {k[len(prefix) :]: v for k, v in example_config().items()}
    return values | overrides


class PlatformMocks(StackMocks):
    """IAM and ECR identifiers shaped as AWS returns them, and a log of what was created."""

    def __init__(self) -> None:
        super().__init__()
        self.created: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args.typ)
        resource_id, state = super().new_resource(args)
        name = args.inputs.get("name", args.name)
        iam = f"arn:aws:iam::{ACCOUNT}"
        computed = {
            "aws:iam/role:Role": {"arn": f"{iam}:role/{name}", "name": name},
            "aws:iam/policy:Policy": {"arn": f"{iam}:policy/{name}"},
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
                "arn": f"{iam}:oidc-provider/{args.inputs.get('url', '').removeprefix('https://')}"
            },
            "aws:ecr/repository:Repository": {
                "arn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}",
                "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}",
            },
        }.get(args.typ, {})
        return resource_id, state | computed


def run_platform(config: dict[str, Any], mocks: PlatformMocks | None = None) -> StackRun:
    """Runs platform/org/__main__.py as `pulumi up` would, with `config` (namespaced keys)."""
    return run_program(
        lambda: runpy.run_path(str(PLATFORM / "__main__.py"), run_name="__main__"),
        config=config,
        project=NAMESPACE,
        stack="acme",
        mocks=mocks or PlatformMocks(),
    )


def policy_document(run: StackRun, type_: str, name: str, field: str = "policy") -> Any:
    return json.loads(run.one(type_, name).inputs[field])
