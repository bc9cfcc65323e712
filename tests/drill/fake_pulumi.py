"""A fake `pulumi` CLI for the drill's offline tests: the commands the drill runs, with the
answers the real CLI gives, against a JSON state file (FAKE_PULUMI_STATE).

`up` plays a release: with `failHealthCheck` on it fails after the rollback, as the CodeDeploy
release resource reports it; otherwise it makes `appVersion` the served version halfway
through (the traffic shift). With the scenario `timeout` a broken release never ends.
The served version is the file `<state>.served`, which the test's service reads per request.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import yaml

PROJECT = "ecs-blue-green"
STATE = Path(os.environ["FAKE_PULUMI_STATE"])
UP_SECONDS = float(os.environ.get("FAKE_PULUMI_UP_SECONDS", "0.4"))


def _load() -> dict[str, Any]:
    state: dict[str, Any] = json.loads(STATE.read_text())
    return state


def _save(state: dict[str, Any]) -> None:
    # Atomic: the test reads the state while a command runs.
    partial = STATE.with_suffix(f".{os.getpid()}")
    partial.write_text(json.dumps(state))
    partial.replace(STATE)


def _key(name: str) -> str:
    return name if ":" in name else f"{PROJECT}:{name}"


def _defaults() -> dict[str, str]:
    """The defaults the project (Pulumi.yaml in the working directory) declares, as text."""
    path = Path("Pulumi.yaml")
    if not path.exists():
        return {}
    declared = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    return {
        _key(key): value if isinstance(value, str) else json.dumps(value)
        for key, entry in declared.items()
        if isinstance(entry, dict) and (value := entry.get("default")) is not None
    }


def _stack(argv: list[str]) -> str | None:
    return argv[argv.index("--stack") + 1] if "--stack" in argv else None


def _up(state: dict[str, Any]) -> int:
    config = state["config"]
    version = config.get(_key("appVersion")) or "src-0123456789ab"
    broken = config.get(_key("failHealthCheck")) == "true"
    if state["scenario"] == "no-fault":
        broken = False  # a service that ignores the fault switch: the release goes live
    print("Updating (dev):")
    state["log"].append({"up": version, "broken": config.get(_key("failHealthCheck")) == "true"})
    _save(state)
    if broken and state["scenario"] == "timeout":
        time.sleep(3600)
    time.sleep(UP_SECONDS / 2)
    if broken:
        time.sleep(UP_SECONDS / 2)
        print("    components.codedeploy_deployment.DeploymentError: CodeDeploy deployment ")
        print("d-7X3K9ABCD Failed: [HOOK_EXECUTION_FAILURE] The deployment failed because one or")
        print(" more of the lifecycle event hook executions failed.")
        print("      rollback d-R0LLBACK1: Succeeded")
        return 255
    Path(f"{STATE}.served").write_text(version)
    time.sleep(UP_SECONDS / 2)
    print("Resources:\n    ~ 2 updated")
    return 0


def main(argv: list[str]) -> int:
    state = _load()
    state["calls"].append(argv)
    _save(state)
    stack = _stack(argv)
    words = [a for a in argv if not a.startswith("--") and a != stack]
    if words[:2] == ["stack", "ls"]:
        print(json.dumps([{"name": name, "current": False} for name in state["stacks"]]))
    elif words[:2] == ["stack", "init"]:
        state["stacks"].append(words[2])
    elif words[:2] == ["stack", "output"]:
        print(json.dumps({"url": state["url"]}))
    elif words[:2] == ["stack", "rm"]:
        state["stacks"].remove(stack)
    elif words == ["config"]:
        # As the CLI does: Pulumi.yaml's defaults under the stack's own values.
        values = _defaults() | state["config"]
        print(json.dumps({k: {"value": v, "secret": False} for k, v in values.items()}))
    elif words[:2] == ["config", "set"]:
        state["config"][_key(words[2])] = words[3]
    elif words[:2] == ["config", "rm"]:
        state["config"].pop(_key(words[2]), None)
    elif words == ["up"]:
        return _up(state)
    elif words == ["destroy"]:
        Path(f"{STATE}.served").write_text("")
    else:
        print(f"fake pulumi: unexpected command {argv}", file=sys.stderr)
        return 2
    _save(state)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
