"""The drill's orchestration against a fake `pulumi` (tests/drill/fake_pulumi.py): a good
release, a broken one that rolls back, a timeout, and Ctrl-C. Every run must leave the
stack's config as it found it, the fault switch above all."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from drill import __main__ as drill_main
from drill import report
from drill.orchestrate import Drill, Release
from tests.drill.fake_stack import ROOT, fake_stack, write_report

pytestmark = pytest.mark.long

ORIGINAL = {"ecs-blue-green:appVersion": "v-original"}


def _ups(calls: list[list[str]]) -> int:
    return sum(call[0] == "up" for call in calls)


def test_good_and_broken_release_pass_and_restore_the_config(tmp_path: Path) -> None:
    with fake_stack(tmp_path, config=ORIGINAL) as stack:
        outcome = Drill(stack.options()).run()
        state = stack.read()
    assert outcome.status == "completed"
    assert state["config"] == {"aws:region": "eu-west-1", **ORIGINAL}, "config not restored"
    assert [entry["broken"] for entry in state["log"]] == [False, False, True, False]
    assert state["log"][-1]["up"] == "v-original", "the final up releases the original config"
    assert all(call[-2:] == ["--stack", "dev"] for call in state["calls"] if call[0] != "stack")
    assert outcome.controller == "CODE_DEPLOY"

    result = write_report(outcome, tmp_path / "out")
    assert result["passed"] is True, result["checks"]
    good, broken = result["releases"]["good"], result["releases"]["broken"]
    assert good["failed_requests"] == 0
    assert 0 < good["seconds_to_all_traffic_on_new_version"] <= good["pulumi_up_seconds"]
    assert broken["pulumi_up_exit"] == 255
    assert broken["rollback_message"] == "rollback d-R0LLBACK1: Succeeded"
    assert broken["answers_from_this_version"] == 0
    assert result["latency"]["before"]["p50_ms"] is not None

    written = json.loads((tmp_path / "out/report.json").read_text())
    assert written["passed"] is True
    png = (tmp_path / "out/chart.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1200, 500)  # IHDR width and height
    with Image.open(tmp_path / "out/chart.png") as image:
        image.verify()


def test_a_release_that_does_not_roll_back_fails_the_drill(tmp_path: Path) -> None:
    """The check has teeth: a broken version that goes live is reported, not passed. The
    stack did not exist, so the drill creates it and, with --destroy, removes it."""
    with fake_stack(tmp_path, scenario="no-fault", exists=False) as stack:
        outcome = Drill(stack.options(destroy=True)).run()
        state = stack.read()
    assert [c[:2] for c in state["calls"] if c[0] != "config"][-2:] == [
        ["destroy", "--yes"],
        ["stack", "rm"],
    ]
    assert ["stack", "init", "dev"] in state["calls"]
    assert state["stacks"] == []
    result = report.build(outcome)
    assert result["passed"] is False
    failed = {c["check"] for c in result["checks"] if not c["passed"]}
    assert "broken release: pulumi up failed" in failed
    assert "broken release: no answer from the broken version" in failed
    assert "ecs-blue-green:failHealthCheck" not in state["config"]
    assert "ecs-blue-green:appVersion" not in state["config"], "an unset key is removed again"


class _BudgetEndsDuringTheBrokenRelease(Drill):
    """The budget is set to end BUDGET_LEFT seconds into the broken release, however long the
    steps before it took on a loaded machine: the test is about what a timeout does, not about
    how fast fake `pulumi` processes start."""

    BUDGET_LEFT = 1.0
    broken_started = 0.0

    def release(self, name: str, changes: dict[str, Any]) -> Release:
        if name == "broken":
            self.broken_started = time.monotonic()
            self.deadline = self.broken_started + self.BUDGET_LEFT
        return super().release(name, changes)


def test_timeout_cancels_pulumi_and_turns_the_fault_switch_off(tmp_path: Path) -> None:
    with fake_stack(tmp_path, scenario="timeout", config=ORIGINAL) as stack:
        drill = _BudgetEndsDuringTheBrokenRelease(stack.options(reuse=True))
        outcome = drill.run()
        state = stack.read()
    assert outcome.status.startswith("timed out")
    # Ended within the cancel grace after the budget: the broken `pulumi up` never ends.
    assert drill.broken_started > 0
    assert outcome.releases[-1].ended - outcome.releases[-1].started < (
        drill.BUDGET_LEFT + stack.options().cancel_grace_seconds + 1
    ), "the drill overran its budget"
    assert state["config"] == {"aws:region": "eu-west-1", **ORIGINAL}
    assert _ups(state["calls"]) == 2, "no final up after a timeout"
    assert outcome.releases[-1].timed_out


def test_ctrl_c_cancels_pulumi_and_restores_the_config(tmp_path: Path) -> None:
    """SIGINT to this process while the broken release runs: what a Ctrl-C in the terminal
    delivers to the drill (the pulumi CLI runs in its own session and gets it from the drill)."""
    with fake_stack(tmp_path, scenario="timeout") as stack:

        def interrupt_during_the_broken_release() -> None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if any(entry["broken"] for entry in stack.read()["log"]):
                    os.kill(os.getpid(), signal.SIGINT)
                    return
                time.sleep(0.02)

        threading.Thread(target=interrupt_during_the_broken_release, daemon=True).start()
        outcome = Drill(stack.options(reuse=True)).run()
        state = stack.read()
    assert outcome.status == "interrupted"
    assert "ecs-blue-green:failHealthCheck" not in state["config"]
    assert "ecs-blue-green:appVersion" not in state["config"]
    assert _ups(state["calls"]) == 2, "no final up after an interruption"
    assert outcome.releases == [] or outcome.releases[-1].name == "good"


def test_help_documents_the_drill(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        drill_main.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for words in ("--reuse", "--destroy", "--rate", "--timeout-minutes", "failHealthCheck"):
        assert words in text


def test_without_a_virtualenv_the_command_says_what_to_run(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "drill", tmp_path / "scripts" / "drill")

    run = subprocess.run(
        [tmp_path / "scripts" / "drill", "dev"], capture_output=True, text=True, check=False
    )

    assert run.returncode == 2  # the drill could not run, as `--help` documents
    assert "./scripts/setup" in run.stderr
    assert run.stdout == ""
