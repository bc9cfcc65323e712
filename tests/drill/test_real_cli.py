"""The drill's `pulumi` commands on the real CLI with the modelled providers: the fake
(tests/drill/fake_pulumi.py) answers as we believe the CLI does; here the CLI itself answers
`stack ls --json`, `stack init`, `config --json`, `config set`/`rm`, `stack output --json`, and
`up` of a good release (exit 0) and of a broken one (non-zero, with the rollback line the drill
reports). It found that `config --json` lists Pulumi.yaml's defaults (drill.orchestrate.own_value).
Three `pulumi up`s: only with ENGINE_TIER=all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from drill.orchestrate import ROLLBACK, own_value, project_default
from drill.pulumi_cli import Pulumi
from offline.run import work_copy
from tests.engine.support import CLI, FULL, ROOT

pytestmark = pytest.mark.skipif(
    CLI is None or not FULL, reason="ENGINE_TIER=all (and a CLI: scripts/engine)"
)
KEY = "ecs-blue-green:appVersion"
FAULT = "ecs-blue-green:failHealthCheck"


def offline_cli(folder: Path) -> Pulumi:
    """The drill's runner on `pulumi` = tests/drill/offline_pulumi.py, on a work copy of the
    project where offline.run keeps it (so `config set` persists between commands)."""
    state = folder / "state"
    work = work_copy(ROOT, folder / "work" / ROOT.name)
    wrapper = folder / "pulumi"
    wrapper.write_text(
        f'#!/bin/sh\ncd "{ROOT}" && exec "{sys.executable}" -m tests.drill.offline_pulumi '
        f'"{work}" "{state}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return Pulumi("dev", cwd=work, log=folder / "pulumi.log", executable=str(wrapper))


def test_the_drills_commands_on_the_real_cli(tmp_path: Path) -> None:
    cli = offline_cli(tmp_path)
    assert not cli.stack_exists()
    cli.init()
    assert cli.stack_exists()

    cli.config_set("appVersion", "drill-base")
    assert cli.config()[KEY] == "drill-base"
    base = cli.up(timeout=600)
    assert base.returncode == 0, base.output
    assert cli.outputs()["url"].startswith("http")

    cli.config_set("appVersion", "drill-good")
    good = cli.up(timeout=600)
    assert good.returncode == 0, good.output

    cli.config_set("appVersion", "drill-broken")
    cli.config_set("failHealthCheck", "true")
    broken = cli.up(timeout=600)
    assert broken.returncode != 0, broken.output
    rollback = [line for line in broken.output.splitlines() if ROLLBACK.search(line)]
    assert rollback, broken.output

    cli.config_rm("failHealthCheck")
    cli.config_set("appVersion", "drill-base")
    config = cli.config()
    assert config[KEY] == "drill-base"
    # A removed key is still listed, at Pulumi.yaml's default: the drill restores a key found
    # at its default by removing it, not by writing the default into the stack file.
    assert FAULT not in (cli.cwd / "Pulumi.dev.yaml").read_text()
    assert config[FAULT] == "false"
    assert own_value(config[FAULT], project_default(cli.cwd, "failHealthCheck")) is None
