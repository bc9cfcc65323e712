"""IAM OIDC providers for Pulumi Cloud and GitHub Actions, and the trust policies built on them.

Pulumi Deployments issues each run a token whose audience is the organisation name and whose
subject is `pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write`
(https://www.pulumi.com/docs/pulumi-cloud/deployments/oidc/). A deploy role trusts exactly one
stack: the audience must equal the organisation and the subject must name the organisation,
project and stack, with any operation (update, preview, refresh and destroy all need the role).
"""

from __future__ import annotations

import json
from typing import Any, Final

import pulumi
import pulumi_aws as aws

PULUMI_ISSUER: Final = "api.pulumi.com/oidc"
GITHUB_ISSUER: Final = "token.actions.githubusercontent.com"
#: The audience aws-actions/configure-aws-credentials requests.
GITHUB_AUDIENCE: Final = "sts.amazonaws.com"


def deployments_subject(organization: str, project: str, stack: str) -> str:
    """The `sub` pattern of every Pulumi Deployments operation on one stack."""
    return (
        f"pulumi:deploy:org:{organization}:project:{project}:stack:{stack}:operation:*:scope:write"
    )


def _web_identity_trust(provider_arn: str, conditions: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": conditions,
                }
            ],
        }
    )


def deploy_trust_policy(provider_arn: str, organization: str, project: str, stack: str) -> str:
    """Trust for the deploy role of `stack`: this organisation's tokens for this stack only."""
    return _web_identity_trust(
        provider_arn,
        {
            "StringEquals": {f"{PULUMI_ISSUER}:aud": organization},
            "StringLike": {
                f"{PULUMI_ISSUER}:sub": deployments_subject(organization, project, stack)
            },
        },
    )


def github_subjects(repository: str, branches: tuple[str, ...]) -> list[str]:
    """GitHub's `sub` for workflow runs on pushes to these branches (not pull requests)."""
    return [f"repo:{repository}:ref:refs/heads/{branch}" for branch in branches]


def image_push_trust_policy(provider_arn: str, repository: str, branches: tuple[str, ...]) -> str:
    """Trust for the image workflow: runs of this repository on the release branches."""
    return _web_identity_trust(
        provider_arn,
        {
            "StringEquals": {
                f"{GITHUB_ISSUER}:aud": GITHUB_AUDIENCE,
                f"{GITHUB_ISSUER}:sub": github_subjects(repository, branches),
            }
        },
    )


def oidc_provider_arn(
    name: str, issuer: str, audience: str, existing_arn: str, opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    """The ARN of the account's provider for `issuer`, created unless `existing_arn` is given.

    AWS allows one provider per issuer URL and account; when it already exists (ESC, another
    platform stack), its audiences must include `audience`.
    """
    if existing_arn:
        return pulumi.Output.from_input(existing_arn)
    provider = aws.iam.OpenIdConnectProvider(
        name,
        url=f"https://{issuer}",
        client_id_lists=[audience],
        # No thumbprint: IAM validates GitHub against its own trusted CAs and fetches the
        # certificate thumbprint of other issuers itself when none is given.
        opts=opts,
    )
    return provider.arn
