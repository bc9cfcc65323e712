"""What the README and docs/ name exists, and every `aws ...` command in them parses.

Each check has a test that feeds it the kind of mistake it exists for (a stale module, a
missing test, a command AWS refuses) and sees it reported: a check that cannot fail proves
nothing.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components import BlueGreenService, BlueGreenServiceArgs
from components.ecs_service import IGNORED_BY_CONTROLLER
from components.lambdas.test_traffic_gate import gate
from components.release.codedeploy import releaser
from components.release.codedeploy.credentials import WATCH_CONFIG, WATCH_MAX_ATTEMPTS
from components.test_traffic_gate import TestTrafficGateArgs
from ecs_blue_green_policies.pack import RULES
from platform_stack.config import KEYS as PLATFORM_KEYS
from tests.harness import ROOT, run_program
from tools.docs import aws_commands, references
from tools.docs.aws_commands import Command
from tools.docs.markdown import documents, fenced_blocks, inline_spans


def test_every_documented_aws_command_parses_against_botocores_model() -> None:
    commands = aws_commands.documented_commands()
    found = [problem for command in commands for problem in aws_commands.problems(command)]
    assert found == []
    # The extraction sees fenced, indented and inline commands, not none at all.
    texts = " ".join(c.text for c in commands)
    assert len(commands) >= 15
    assert "aws deploy list-deployments" in texts
    assert "aws ecs continue-service-deployment" in texts
    assert "aws sns subscribe" in texts


@pytest.mark.parametrize(
    ("command", "message"),
    [
        # docs/controllers.md before issue 21: the API refuses it (DeploymentGroupNameRequired).
        (
            "aws deploy list-deployments --application-name web-app --include-only-statuses"
            " Created Queued InProgress Ready",
            "--application-name needs --deployment-group-name",
        ),
        ("aws deploy list-deployment --application-name a", "codedeploy has no such operation"),
        ("aws codedeployy list-deployments", "no service 'codedeployy'"),
        ("aws deploy get-deployment --deployment-id d-1 --deploymentid d-1", "no parameter"),
        ("aws ecs continue-service-deployment --hook-id h --action CONTINUE", "requires --service"),
        ("aws deploy continue-deployment --deployment-wait-type DONE", "is not one of"),
        ("aws ecs describe-services --query 'services[?status==", "cannot be split"),
        (
            "aws sns subscribe --topic-arn t --protocol email --endpoint x",
            "no parameter --endpoint",
        ),
    ],
)
def test_the_command_check_refuses_what_aws_would(command: str, message: str) -> None:
    found = aws_commands.problems(Command("test", command))
    assert any(message in problem for problem in found), found


@pytest.mark.parametrize(
    "command",
    [
        "aws deploy stop-deployment --deployment-id d-1 --auto-rollback-enabled",
        "aws deploy stop-deployment --deployment-id d-1 --no-auto-rollback-enabled",
        "aws sns subscribe --topic-arn t --protocol email --notification-endpoint x",
        'aws ecs list-service-deployments --cluster "$C" --service <name> --status IN_PROGRESS',
        "aws deploy create-deployment",  # a mention of the operation, not a command line
    ],
)
def test_the_command_check_accepts_what_the_cli_accepts(command: str) -> None:
    assert aws_commands.problems(Command("test", command)) == []


def test_every_aws_command_the_product_prints_parses() -> None:
    commands = aws_commands.product_commands()
    assert [p for c in commands for p in aws_commands.problems(c)] == []
    assert any("stop-deployment" in c.text for c in commands)


def test_the_product_check_reads_f_strings_as_one_text() -> None:
    source = 'x = (f"run `aws deploy list-deployments --application-name {app}"\n"` now")\n'
    [(_, text)] = list(aws_commands.string_texts(source))
    [command] = aws_commands.commands_in(text, "t")
    assert command.text == "aws deploy list-deployments --application-name FIELD"
    assert "needs --deployment-group-name" in aws_commands.problems(command)[0]


def test_commands_are_cut_at_the_shell_around_them() -> None:
    text = 'X=$(aws ecs list-services --cluster "$(pulumi stack output c)" | head -1) && echo'
    assert [c.text for c in aws_commands.commands_in(text, "t")] == [
        "aws ecs list-services --cluster SUBSTITUTED"
    ]


def test_every_named_path_module_attribute_and_test_exists() -> None:
    assert references.problems() == []


def test_every_file_named_in_code_and_config_exists() -> None:
    assert references.source_problems() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Rendered by `components.timeline`.", "no such module or attribute"),
        ("```\ncomponents.release.codedeploy.release.NoSuchError: x\n```", "no such module"),
        ("Proved by `tests/test_readme.py::test_nothing_like_this`.", "no such test"),
        ("See `components/nothing.py` and `tests/platform/`.", "no such file"),
        ("The list is `NOPE` in `components/ecs_service.py`.", "is not defined in"),
        ("See [the timeline](releases.md#no-such-heading).", "no heading with that anchor"),
        ("See [the page](nothing.md).", "no such file"),
        ("```sh\npulumi config set releaseRetries 2\n```", "'releaseRetries' is declared nowhere"),
    ],
)
def test_the_reference_check_sees_a_stale_name(text: str, message: str) -> None:
    found = references.page_problems(ROOT, ROOT / "docs" / "page.md", text)
    assert any(message in problem for problem in found), found


def test_the_reference_check_accepts_real_names() -> None:
    text = (
        "`components/args.py`, `Pulumi.{dev,prod}.yaml`, `platform/org/Pulumi.<stack>.yaml`,"
        " `policies/venv` (made by the CLI), `tools.docs.tables.BLOCKS`,"
        " `tests/test_readme.py::test_readme_is_a_front_page`,"
        " `IGNORED_BY_CONTROLLER` in `components/ecs_service.py`,"
        " [release speed](releases.md#release-speed), `pulumi config set aws:region x`,"
        " `pulumi config set --path 'hostHeaders[0]' a`"
    )
    assert references.page_problems(ROOT, ROOT / "docs" / "page.md", text) == []


def test_the_source_check_sees_a_stale_file_name() -> None:
    # platform/org/Pulumi.yaml before issue 21.
    line = "# tests/platform/test_config.py keeps these equal to platform_stack/config.py"
    assert references.line_problems(ROOT, line) == ["tests/platform/test_config.py"]
    assert references.line_problems(ROOT, "see platform/org/Pulumi.<stack>.yaml.") == []


def test_nothing_cites_the_teams_notes_file_which_is_not_in_the_repository() -> None:
    # Users never see the team's notes beside the repository: code and docs cite the primary
    # source (AWS docs, provider source, an issue). The bracket keeps this file out of its match.
    done = subprocess.run(
        ["git", "grep", "-l", "-E", "FIELD[-]NOTES", "--", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.split() == []


def _attribute_chains(text: str) -> list[str]:
    """`api.x.y` spans of the configuration page, with `.z` spans continuing the last one."""
    chains, prefix = [], ""
    for _, span in inline_spans(text):
        if re.fullmatch(r"api(\.\w+)+", span):
            chains.append(span)
            prefix = span.rsplit(".", 1)[0]
        elif re.fullmatch(r"(\.\w+)+", span) and prefix:
            chains.append(prefix + span)
    return chains


def _component(controller: str) -> BlueGreenService:
    built: list[BlueGreenService] = []

    def program() -> None:
        args = BlueGreenServiceArgs(
            image_uri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1",
            deployment_controller=controller,  # type: ignore[arg-type]
        )
        built.append(BlueGreenService("api", args))

    run_program(program, config={})
    return built[0]


def _resolves(component: Any, chain: str) -> bool:
    value = component
    for attribute in chain.split(".")[1:]:
        if value is None or not hasattr(value, attribute):
            return False
        value = getattr(value, attribute)
    return True


def test_component_attributes_named_in_the_configuration_page_exist() -> None:
    chains = _attribute_chains((ROOT / "docs/configuration.md").read_text())
    assert "api.task_definition.task_role" in chains
    components = [_component("CODE_DEPLOY"), _component("ECS")]
    missing = [c for c in chains if not any(_resolves(built, c) for built in components)]
    assert missing == []
    # The check sees the attributes that moved (issue 21): they resolve on neither controller.
    assert not any(_resolves(built, "api.codedeploy.application") for built in components)
    assert not any(_resolves(built, "api.deployment") for built in components)


def test_attribute_chains_continue_the_previous_span(tmp_path: Path) -> None:
    text = "`api.ecs.cluster`, `.service`; `api.alarms`"
    assert _attribute_chains(text) == ["api.ecs.cluster", "api.ecs.service", "api.alarms"]


_WINDOW = re.compile(r"\"?(minTerminationWaitMinutes|minBakeTimeMinutes)\"?\s*:\s*(\d+)")


def rollback_windows(block: str) -> dict[str, set[str]]:
    """The rollback-window values a policy config block gives each controller's setting."""
    found: dict[str, set[str]] = {"minTerminationWaitMinutes": set(), "minBakeTimeMinutes": set()}
    for setting, minutes in _WINDOW.findall(block):
        found[setting].add(minutes)
    return found


def test_every_policy_config_example_gives_both_controllers_the_same_window() -> None:
    checked = 0
    for path, text in documents():
        for line, block in fenced_blocks(text):
            windows = rollback_windows(block)
            if any(windows.values()):
                checked += 1
                assert windows["minTerminationWaitMinutes"] == windows["minBakeTimeMinutes"], (
                    f"{path.name}:{line}"
                )
    assert checked >= 2
    # The example docs/platform.md showed before issue 21: a CodeDeploy-only window.
    before = '{"all": "mandatory", "codedeploy-ecs-blue-green": {"minTerminationWaitMinutes": 30}}'
    assert rollback_windows(before) == {
        "minTerminationWaitMinutes": {"30"},
        "minBakeTimeMinutes": set(),
    }


def test_the_policies_page_lists_every_rule_of_the_pack_with_its_level() -> None:
    text = (ROOT / "docs/policies.md").read_text()
    rules = text[text.index("### Rules") : text.index("Resource types:")]
    rows = [line.split("|") for line in rules.splitlines() if line.startswith("| `")]
    listed = [(cells[1].strip().strip("`"), cells[2].split()[0]) for cells in rows]
    assert listed == [(rule.info.id, rule.info.level.value) for rule in RULES]


def test_the_releases_page_lists_what_a_code_deploy_service_ignores() -> None:
    text = (ROOT / "docs/releases.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| `aws.ecs.Service` |"))
    listed = re.findall(r"`(\w+)`", row.split("|")[2].split("(")[0])
    assert listed == IGNORED_BY_CONTROLLER["CODE_DEPLOY"]


def test_the_platform_reference_lists_every_platform_key_with_its_type() -> None:
    text = (ROOT / "docs/platform.md").read_text()
    table = text.split("## Platform configuration reference", 1)[1]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| `")]
    listed = {cells[1].strip().strip("`"): cells[2].strip() for cells in rows}
    kinds = {str: "string", int: "integer", bool: "boolean", list: "list", dict: "object"}
    assert listed == {key.name: kinds[key.kind] for key in PLATFORM_KEYS}


def _phrases_from_code() -> list[tuple[str, str]]:
    """(page, phrase) for numbers the prose quotes from constants: the phrase is built from the
    constant, so changing either without the other fails."""
    defaults = {f.name: f.default for f in dataclasses.fields(TestTrafficGateArgs)}
    quick, watch = gate.QUICK_CALL_CONFIG, WATCH_CONFIG
    return [
        (
            "docs/releases.md",
            f"({defaults['attempts']} rounds, {defaults['interval_seconds']} s apart,"
            f" {defaults['timeout_seconds']} s per request by default)",
        ),
        (
            "docs/releases.md",
            f"EC2 and CodeDeploy: {quick.connect_timeout} s + {quick.read_timeout} s,"
            f" {quick.retries['total_max_attempts']} attempts",
        ),
        ("docs/releases.md", f"{gate.REPORT_RESERVE_SECONDS:g} s before Lambda would stop it"),
        (
            "docs/releases.md",
            f"({', '.join(f'{b:g}' for b in gate.INVOKE_BACKOFF_SECONDS)} s)",
        ),
        (
            "docs/releases.md",
            f"retry mode with {WATCH_MAX_ATTEMPTS} attempts",
        ),
        (
            "docs/releases.md",
            f"({watch.connect_timeout} s connect, {watch.read_timeout} s read)",
        ),
        ("docs/releases.md", f"group's last {releaser.HISTORY_LIMIT} deployments"),
        ("docs/releases.md", f"(up to {releaser.ROLLBACK_GRACE_SECONDS} s, as the release"),
    ]


def test_numbers_the_prose_quotes_from_code_match_their_constants() -> None:
    pages = {page: " ".join((ROOT / page).read_text().split()) for page in ("docs/releases.md",)}
    missing = [phrase for page, phrase in _phrases_from_code() if phrase not in pages[page]]
    assert missing == []
