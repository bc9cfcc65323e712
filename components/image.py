"""The container image: built from source into a new ECR repository, or a prebuilt one."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from components.args import BlueGreenServiceArgs

#: The build platform of each task CPU architecture, so the image runs where the task does.
PLATFORMS: dict[str, docker_build.Platform] = {
    "X86_64": docker_build.Platform.LINUX_AMD64,
    "ARM64": docker_build.Platform.LINUX_ARM64,
}
#: Never part of the build context (see service/.dockerignore), so never part of the tag.
_NOT_SOURCE = {"node_modules", ".git", "test"}


@dataclass
class Image:
    repository: aws.ecr.Repository | None
    """The repository builds are pushed to; None for a prebuilt image, which lives wherever
    its pipeline pushed it."""
    repository_url: pulumi.Output[str]
    image_uri: pulumi.Output[str]
    """What the task definition runs: `repo:tag@sha256:digest` for a build."""
    version: str
    """A short, human label for the running version (the X-App-Version header)."""
    build: docker_build.Image | None


def source_tag(service_dir: Path) -> str:
    """`src-<12 hex>`: a hash of the build context, so every source change is a new tag.

    Tags are immutable in the repository, so an unchanged source must map to the same tag.
    """
    digest = hashlib.sha256()
    for path in sorted(_source_files(service_dir)):
        relative = path.relative_to(service_dir)
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return f"src-{digest.hexdigest()[:12]}"


def _source_files(service_dir: Path) -> Iterator[Path]:
    """The files of the build context. Excluded folders are not walked: a service's
    node_modules can hold tens of thousands of files, and every preview computes the tag."""
    for folder, subfolders, names in os.walk(service_dir):
        subfolders[:] = [name for name in subfolders if name not in _NOT_SOURCE]
        for name in names:
            path = Path(folder, name)
            if name not in _NOT_SOURCE and path.is_file():
                yield path


def split_image_uri(uri: str) -> tuple[str, str]:
    """`registry[:port]/repo[:tag][@digest]` -> (`registry[:port]/repo`, `repo[:tag]`)."""
    without_digest = uri.split("@", 1)[0]
    registry, _, path = without_digest.rpartition("/")
    repository = path.split(":", 1)[0]
    return f"{registry}/{repository}", path


def _lifecycle_policy(keep: int) -> str:
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"keep the newest {keep} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": keep,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }
    )


def create_image(
    name: str, args: BlueGreenServiceArgs, tags: dict[str, str], parent: pulumi.Resource
) -> Image:
    if args.image_uri is not None:
        repository_url, version = split_image_uri(args.image_uri)
        return Image(
            None,
            pulumi.Output.from_input(repository_url),
            pulumi.Output.from_input(args.image_uri),
            version,
            None,
        )
    child = pulumi.ResourceOptions(parent=parent)
    repository = aws.ecr.Repository(
        f"{name}-repo",
        image_scanning_configuration={"scan_on_push": True},
        image_tag_mutability="IMMUTABLE",
        tags=tags,
        # The images are the rollback targets of every kept task-definition revision: neither a
        # replacement nor a destroy may delete them. Without force_delete a non-empty repository
        # cannot be deleted, so Pulumi forgets it instead (docs/operations.md: cleaning up).
        opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True),
    )
    aws.ecr.LifecyclePolicy(
        f"{name}-repo-lifecycle",
        repository=repository.name,
        policy=_lifecycle_policy(args.image_retain_count),
        # `policy` is ForceNew, and a repository has one policy: created first, the new one
        # would be put and then removed by the old one's delete (DeleteLifecyclePolicy).
        opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True),
    )
    tag = source_tag(args.service_dir)
    credentials = aws.ecr.get_authorization_token_output(registry_id=repository.registry_id)
    build = docker_build.Image(
        f"{name}-image",
        context=docker_build.BuildContextArgs(location=str(args.service_dir)),
        dockerfile=docker_build.DockerfileArgs(location=str(args.service_dir / "Dockerfile")),
        platforms=[PLATFORMS[args.cpu_architecture]],
        push=True,
        # A preview must not need Docker; the build runs at `pulumi up`.
        build_on_preview=False,
        tags=[repository.repository_url.apply(lambda url: f"{url}:{tag}")],
        registries=[
            docker_build.RegistryArgs(
                address=repository.repository_url,
                username=credentials.user_name,
                password=credentials.password,
            )
        ],
        opts=child,
    )
    return Image(repository, repository.repository_url, build.ref, tag, build)
