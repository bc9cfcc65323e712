"""Rules on ECR repositories holding the images that blue/green releases deploy."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel

from ecs_blue_green_policies import resource_types as types
from ecs_blue_green_policies.rule import Config, Resource, ResourceRule, RuleInfo, Setting
from ecs_blue_green_policies.values import UNKNOWN, get, truthy


def check_scan_on_push(resource: Resource, config: Config) -> Iterator[str]:
    scan = truthy(get(resource.props, "imageScanningConfiguration", "scanOnPush"))
    if scan is not UNKNOWN and scan is not True:
        yield "set `imageScanningConfiguration.scanOnPush` to true"


ALLOWED_MUTABILITY = Setting(
    "allowedTagMutability",
    "array",
    ["IMMUTABLE"],
    "Accepted `imageTagMutability` values. Add IMMUTABLE_WITH_EXCLUSION to allow a few mutable"
    " tags; MUTABLE (the default) lets a tag point at a new image behind a deployment's back.",
    items="string",
)


def check_immutable_tags(resource: Resource, config: Config) -> Iterator[str]:
    allowed = config[ALLOWED_MUTABILITY.name]
    mutability = resource.props.get("imageTagMutability")
    if mutability is UNKNOWN:
        return
    if mutability not in allowed:
        yield (
            f"`imageTagMutability` is {mutability or 'unset (MUTABLE)'}: set it to "
            f"{' or '.join(allowed)} so a deployed tag always means the same image"
        )


SCAN_ON_PUSH = ResourceRule(
    RuleInfo(
        "ecr-scan-on-push",
        "ECR repositories should scan images on push.",
        EnforcementLevel.ADVISORY,
        "Set `imageScanningConfiguration{scanOnPush: true}` (or rely on registry-level enhanced"
        " scanning and exempt the repository).",
    ),
    types.ECR_REPOSITORY,
    check_scan_on_push,
)

IMMUTABLE_TAGS = ResourceRule(
    RuleInfo(
        "ecr-immutable-tags",
        "ECR repositories should make image tags immutable.",
        EnforcementLevel.ADVISORY,
        "Set `imageTagMutability: IMMUTABLE` and deploy by digest or unique tag.",
        (ALLOWED_MUTABILITY,),
    ),
    types.ECR_REPOSITORY,
    check_immutable_tags,
)
