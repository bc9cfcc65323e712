"""Where the image comes from when a push releases: built by GitHub Actions, not the deployment.

GitHub-hosted runners have Docker and buildx. Pulumi-hosted deployment runners run the program in
a container from the `pulumi/pulumi` image, and no Pulumi documentation says a Docker daemon is
available there (the image installs the docker packages, but a daemon needs a privileged
container). So `.github/workflows/image.yml` builds `servicePath` and pushes it to this
repository as `tree-<git tree id of servicePath>`: a content address that the deployment can
compute from its own checkout. Each deployment's pre-run command computes the same tag, hands
the URI to the program in `ECS_BLUE_GREEN_IMAGE_URI` (through the `PULUMI_ENV` file), and, for
`pulumi up` only, waits until the workflow has pushed it, so a push that changes the service
and the infrastructure together cannot release an image that does not exist yet.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from platform_stack.config import PlatformConfig, image_push_role_name
from platform_stack.oidc import image_push_trust_policy
from platform_stack.permissions import image_push_policy

IMAGE_URI_VARIABLE: Final = "ECS_BLUE_GREEN_IMAGE_URI"
TAG_PREFIX: Final = "tree-"
POLL_SECONDS: Final = 15
#: Where Pulumi Deployments writes each run's OIDC token
#: (https://www.pulumi.com/docs/pulumi-cloud/deployments/oidc/).
DEPLOYMENTS_TOKEN_FILE: Final = "/mnt/pulumi/pulumi.oidc"


@dataclass
class ImagePipeline:
    repository: aws.ecr.Repository
    push_role: aws.iam.Role


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


def create_image_pipeline(
    config: PlatformConfig, github_provider_arn: pulumi.Output[str], opts: pulumi.ResourceOptions
) -> ImagePipeline:
    repository = aws.ecr.Repository(
        "image",
        name=config.image.repository_name,
        # A tag is a content address: the same tag must always mean the same image.
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration={"scan_on_push": True},
        # Images here may be what production runs: destroying the platform must not delete
        # them silently, so a non-empty repository stops `pulumi destroy`.
        force_delete=False,
        opts=opts,
    )
    aws.ecr.LifecyclePolicy(
        "image",
        repository=repository.name,
        policy=_lifecycle_policy(config.image.retain_count),
        opts=opts,
    )
    push_role = aws.iam.Role(
        "image-push",
        name=image_push_role_name(config.project),
        description=f"GitHub Actions image workflow of {config.repository}",
        assume_role_policy=github_provider_arn.apply(
            lambda arn: image_push_trust_policy(arn, config.repository, config.release_branches)
        ),
        opts=opts,
    )
    aws.iam.RolePolicy(
        "image-push",
        role=push_role.id,
        policy=repository.arn.apply(lambda arn: json.dumps(image_push_policy(arn))),
        opts=opts,
    )
    return ImagePipeline(repository, push_role)


def image_uri_command(
    *,
    repository_url: str,
    repository_name: str,
    account: str,
    region: str,
    service_path: str,
    deploy_role_arn: str,
    wait_minutes: int,
) -> str:
    """One bash line (each pre-run command runs in a shell of its own) that exports the image
    URI for this commit and, on `pulumi up`, waits for the image workflow to push it.

    The AWS CLI call uses the deployment's credentials when Deployments has exported them, and
    otherwise exchanges the run's OIDC token for the same deploy role itself.
    """
    q = shlex.quote
    describe = (
        f"aws ecr describe-images --region {q(region)} --registry-id {q(account)} "
        f'--repository-name {q(repository_name)} --image-ids "imageTag=$tag"'
    )
    steps = [
        "set -euo pipefail",
        f'tag="{TAG_PREFIX}$(git rev-parse {q("HEAD:" + service_path)})"',
        f'uri={q(repository_url)}":$tag"',
        f'echo "{IMAGE_URI_VARIABLE}=$uri" >> "${{PULUMI_ENV_FILE:-/PULUMI_ENV}}"',
        'echo "image for this commit: $uri"',
        '[ "${PULUMI_CI_OPERATION:-}" = update ] || exit 0',
        f'export AWS_ROLE_ARN="${{AWS_ROLE_ARN:-{deploy_role_arn}}}"',
        "export AWS_WEB_IDENTITY_TOKEN_FILE="
        f'"${{AWS_WEB_IDENTITY_TOKEN_FILE:-{DEPLOYMENTS_TOKEN_FILE}}}"',
        f"deadline=$(( $(date +%s) + {wait_minutes * 60} ))",
        f"until out=$({describe} 2>&1); do "
        'case "$out" in *ImageNotFoundException*) ;; *) echo "$out" >&2; exit 1;; esac; '
        'if [ "$(date +%s)" -ge "$deadline" ]; then '
        f'echo "$uri is not in ECR after {wait_minutes} minutes: did .github/workflows/image.yml '
        'fail for this commit?" >&2; exit 1; fi; '
        'echo "waiting for .github/workflows/image.yml to push $uri"; '
        f"sleep {POLL_SECONDS}; done",
        'echo "found $uri"',
    ]
    return "; ".join(steps)
