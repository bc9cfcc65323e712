"""The deployments' pre-run command, run by bash against a real git checkout and a fake AWS CLI,
and its agreement with .github/workflows/image.yml on the image tag."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_stack.image_pipeline import IMAGE_URI_VARIABLE, image_uri_command
from tests.harness import ROOT
from tests.platform.support import example_values

REPOSITORY_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecs-blue-green/web"
ROLE_ARN = "arn:aws:iam::123456789012:role/pulumi-deploy-ecs-blue-green-dev"

#: `aws`: logs its arguments and role variables, then answers from $FAKE_AWS_ANSWERS, one line
#: per call ("found", "missing" or "denied"), repeating the last line.
FAKE_AWS = """#!/bin/bash
echo "$* | $AWS_ROLE_ARN | $AWS_WEB_IDENTITY_TOKEN_FILE" >> "$FAKE_LOG"
calls=$(grep -c . "$FAKE_LOG")
answer=$(sed -n "${calls}p" "$FAKE_AWS_ANSWERS"); answer=${answer:-$(tail -n1 "$FAKE_AWS_ANSWERS")}
case "$answer" in
  found) echo '{"imageDetails": []}' ;;
  missing) echo "An error occurred (ImageNotFoundException): no such image" >&2; exit 254 ;;
  denied) echo "An error occurred (AccessDeniedException): not authorized" >&2; exit 254 ;;
esac
"""
#: `date +%s`: $FAKE_CLOCK_STEP seconds later on every call, so a deadline can pass at once.
FAKE_DATE = """#!/bin/bash
n=$(cat "$FAKE_CLOCK" 2>/dev/null || echo 0); echo $((n + 1)) > "$FAKE_CLOCK"
echo $((1000000 + n * FAKE_CLOCK_STEP))
"""
FAKE_SLEEP = '#!/bin/bash\necho "$1" >> "$FAKE_SLEEPS"\n'


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git repository with the service's build context committed."""
    repo = tmp_path / "repo"
    (repo / "service").mkdir(parents=True)
    (repo / "service" / "Dockerfile").write_text("FROM scratch\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "service"], check=True)
    return repo


def _tree(repo: Path, path: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", f"HEAD:{path}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _run(checkout: Path, operation: str, answers: list[str], clock_step: int = 0) -> dict[str, Any]:
    work = checkout.parent
    bin_dir = work / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, script in {"aws": FAKE_AWS, "date": FAKE_DATE, "sleep": FAKE_SLEEP}.items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    (work / "answers").write_text("\n".join(answers) + "\n")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PULUMI_ENV_FILE": str(work / "PULUMI_ENV"),
        "PULUMI_CI_OPERATION": operation,
        "FAKE_LOG": str(work / "aws.log"),
        "FAKE_AWS_ANSWERS": str(work / "answers"),
        "FAKE_CLOCK": str(work / "clock"),
        "FAKE_CLOCK_STEP": str(clock_step),
        "FAKE_SLEEPS": str(work / "sleeps"),
    }
    command = image_uri_command(
        repository_url=REPOSITORY_URL,
        repository_name="ecs-blue-green/web",
        account="123456789012",
        region="eu-west-1",
        service_path="service",
        deploy_role_arn=ROLE_ARN,
        wait_minutes=30,
    )
    # A subfolder, as when the deployment runs from the project directory.
    result = subprocess.run(
        ["bash", "-c", command],
        check=False,
        cwd=checkout / "service",
        env=env,
        capture_output=True,
        text=True,
    )

    def lines(name: str) -> list[str]:
        path = work / name
        return path.read_text().splitlines() if path.exists() else []

    return {
        "code": result.returncode,
        "stderr": result.stderr,
        "env": lines("PULUMI_ENV"),
        "aws": lines("aws.log"),
        "sleeps": lines("sleeps"),
        "uri": f"{REPOSITORY_URL}:tree-{_tree(checkout, 'service')}",
    }


def test_preview_gets_the_uri_without_waiting_for_the_image(checkout: Path) -> None:
    run = _run(checkout, "preview", ["missing"])

    assert run["code"] == 0, run["stderr"]
    assert run["env"] == [f"{IMAGE_URI_VARIABLE}={run['uri']}"]
    assert run["aws"] == []


def test_update_waits_until_the_workflow_has_pushed_the_image(checkout: Path) -> None:
    run = _run(checkout, "update", ["missing", "missing", "found"])

    assert run["code"] == 0, run["stderr"]
    assert run["env"] == [f"{IMAGE_URI_VARIABLE}={run['uri']}"]
    tag = run["uri"].rsplit(":", 1)[1]
    assert (
        run["aws"]
        == [
            "ecr describe-images --region eu-west-1 --registry-id 123456789012 "
            f"--repository-name ecs-blue-green/web --image-ids imageTag={tag}"
            f" | {ROLE_ARN} | /mnt/pulumi/pulumi.oidc"
        ]
        * 3
    )
    assert run["sleeps"] == ["15", "15"]


def test_update_fails_at_once_when_aws_refuses(checkout: Path) -> None:
    run = _run(checkout, "update", ["denied"])

    assert run["code"] == 1
    assert "AccessDeniedException" in run["stderr"]
    assert len(run["aws"]) == 1


def test_update_gives_up_after_the_wait_and_names_the_workflow(checkout: Path) -> None:
    run = _run(checkout, "update", ["missing"], clock_step=1000)

    assert run["code"] == 1
    assert f"{run['uri']} is not in ECR after 30 minutes" in run["stderr"]
    assert ".github/workflows/image.yml" in run["stderr"]


def test_a_service_change_is_a_new_tag(checkout: Path) -> None:
    before = _tree(checkout, "service")
    (checkout / "service" / "server.js").write_text("// v2\n")
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "v2"], check=True)

    assert _tree(checkout, "service") != before
    assert _run(checkout, "preview", [])["uri"].endswith(_tree(checkout, "service"))


def test_workflow_tags_and_pushes_what_the_deployment_waits_for() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/image.yml").read_text())
    steps = workflow["jobs"]["image"]["steps"]
    tag_step = next(step for step in steps if step.get("id") == "tag")
    push_step = next(step for step in steps if step.get("name") == "Build and push")

    assert 'tag=tree-$(git rev-parse "HEAD:${SERVICE_PATH}")' in tag_step["run"]
    assert workflow["env"]["SERVICE_PATH"] == "${{ vars.SERVICE_PATH || 'service' }}"
    assert push_step["with"]["push"] is True
    assert push_step["with"]["tags"] == (
        "${{ vars.IMAGE_REPOSITORY_URL }}:${{ steps.tag.outputs.tag }}"
    )
    assert workflow["jobs"]["image"]["permissions"]["id-token"] == "write"
    # `on:` parses as True in YAML 1.1.
    triggers = workflow[True]
    release_branches = {"main"} | {s["branch"] for s in example_values()["stackSettings"].values()}
    assert release_branches <= set(triggers["push"]["branches"])
    assert "service/**" in triggers["push"]["paths"]
