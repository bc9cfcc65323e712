"""The drill's steps: a known version, load, a good release, a broken release, restore.

Every config change is undone in a `finally`, with Ctrl-C ignored while it runs, so neither an
error, a timeout nor an interruption leaves the fault switch on or the stack's config changed.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drill.loadgen import LoadGenerator, Sample
from drill.pulumi_cli import Pulumi, PulumiError, Run

PROJECT = "ecs-blue-green"
VERSION_KEY = "appVersion"
FAULT_KEY = "failHealthCheck"
CONTROLLER_KEY = "deploymentController"
#: The release engines' rollback messages: CodeDeploy's "rollback d-...: Succeeded", and any
#: "rolled back" / "rollback" line another controller prints.
ROLLBACK = re.compile(r"roll(?:ed|ing)?[ -]?back", re.IGNORECASE)


class DrillTimeoutError(Exception):
    """The drill's time budget ran out."""


@dataclass(frozen=True)
class Options:
    stack: str
    out: Path
    cwd: Path = Path()
    rate: float = 20.0
    connections: int = 4
    path: str = "/"
    reuse: bool = False
    destroy: bool = False
    restore_release: bool = True
    """After restoring the config, `pulumi up` once more so the stack runs what its config
    says (skipped with --destroy)."""
    timeout_minutes: float = 60.0
    settle_seconds: float = 15.0
    pulumi: str = "pulumi"
    cancel_grace_seconds: float = 30.0


@dataclass
class Release:
    name: str
    version: str
    started: float
    """Load clock (seconds since the load started) when `pulumi up` started."""
    ended: float
    returncode: int
    timed_out: bool
    rollback_line: str | None


@dataclass
class Outcome:
    stack: str
    controller: str
    url: str | None = None
    status: str = "not started"
    """completed, interrupted, timed out, or error: <message>."""
    started_at: str = ""
    releases: list[Release] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    load_seconds: float = 0.0
    restored: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def project_default(cwd: Path, key: str) -> Any:
    """A key's default from Pulumi.yaml (the CLI applies it when the stack does not set it)."""
    try:
        declared = yaml.safe_load((cwd / "Pulumi.yaml").read_text())["config"]
    except (OSError, KeyError, TypeError):
        return None
    return (declared.get(key) or {}).get("default")


def _config_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def own_value(value: Any, default: Any) -> Any:
    """A key's value as the drill restores it: None (removed again) when it is Pulumi.yaml's
    default. `pulumi config --json` lists the project's defaults beside the stack's own values
    (CLI 3.274, tests/drill/test_real_cli.py), and removing a key gives it the same default
    without writing it into the stack file."""
    if value is None or (default is not None and str(value) == _config_text(default)):
        return None
    return value


@contextmanager
def _uninterruptible() -> Iterator[None]:
    """Ctrl-C is ignored while the config is restored: a second Ctrl-C must not leave it half
    done."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Drill:
    def __init__(self, options: Options, log: Callable[[str], None] | None = None) -> None:
        self.options = options
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        options.out.mkdir(parents=True, exist_ok=True)
        self.pulumi = Pulumi(
            options.stack,
            cwd=options.cwd,
            log=options.out / "pulumi.log",
            executable=options.pulumi,
            cancel_grace=options.cancel_grace_seconds,
        )
        self.deadline = 0.0
        self.originals: dict[str, Any] = {}
        self.changed: set[str] = set()
        self.load: LoadGenerator | None = None
        self.outcome = Outcome(options.stack, controller="unknown")

    # --- time ----------------------------------------------------------------------------

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DrillTimeoutError(
                f"the drill's budget of {self.options.timeout_minutes:g} min ran out"
            )
        return left

    def settle(self) -> None:
        time.sleep(min(self.options.settle_seconds, self.remaining()))

    # --- config --------------------------------------------------------------------------

    def set(self, key: str, value: Any) -> None:
        # Marked before the command runs: an interrupted `config set` may still have written.
        self.changed.add(key)
        self.pulumi.config_set(key, _config_text(value))

    def restore(self, key: str) -> None:
        """Puts one key the drill changed back as it was: set to its old value, or removed."""
        if key not in self.changed:
            return
        original = self.originals[key]
        if original is None:
            self.pulumi.run("config", "rm", key, timeout=60, check=False)
        else:
            self.pulumi.config_set(key, _config_text(original))
        self.changed.discard(key)
        self.outcome.restored[key] = original

    def restore_all(self) -> None:
        with _uninterruptible():
            # The fault switch first: of all changes, it is the one that must never stay.
            for key in (FAULT_KEY, VERSION_KEY):
                try:
                    self.restore(key)
                except PulumiError as error:
                    self.outcome.notes.append(f"could not restore {key}: {error}")
                    self.log(f"!! could not restore {key}; set it back by hand: {error}")

    # --- steps ---------------------------------------------------------------------------

    def _now(self) -> float:
        return self.load.now() if self.load is not None else 0.0

    def release(self, name: str, changes: dict[str, Any]) -> Release:
        for key, value in changes.items():
            self.set(key, value)
        version = str(changes[VERSION_KEY])
        self.log(f"== {name} release: {version} (pulumi up)")
        started = self._now()
        run: Run = self.pulumi.up(timeout=self.remaining())
        ended = self._now()
        rollback = next((ln for ln in run.output.splitlines() if ROLLBACK.search(ln)), None)
        release = Release(
            name,
            version,
            started,
            ended,
            run.returncode,
            run.timed_out,
            rollback and rollback.strip(),
        )
        self.outcome.releases.append(release)
        self.log(f"   pulumi up exit {run.returncode} after {ended - started:.1f} s")
        if run.timed_out:
            raise DrillTimeoutError(f"`pulumi up` of the {name} release did not finish in time")
        return release

    def run(self) -> Outcome:
        """Runs every step within the time budget; always restores the config."""
        self.deadline = time.monotonic() + self.options.timeout_minutes * 60
        self.outcome.started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        try:
            created = self._prepare(run_id)
            self._start_load()
            self.release("good", {VERSION_KEY: f"drill-{run_id}-good"})
            self.settle()
            try:
                self.release("broken", {VERSION_KEY: f"drill-{run_id}-broken", FAULT_KEY: True})
            finally:
                with _uninterruptible():
                    self.restore(FAULT_KEY)
            self.settle()
            self.stop_load()
            self.restore_all()
            self._finish(created)
            self.outcome.status = "completed"
        except KeyboardInterrupt:
            self.outcome.status = "interrupted"
        except DrillTimeoutError as error:
            self.outcome.status = f"timed out: {error}"
        except PulumiError as error:
            self.outcome.status = f"error: {error}"
        finally:
            self.stop_load()
            self.restore_all()
        if self.outcome.status != "completed":
            self.outcome.notes.append(
                "config restored; the stack may still run a drill version: `pulumi up` releases "
                "its own config again"
            )
        return self.outcome

    def _prepare(self, run_id: str) -> bool:
        """Finds (or creates) the stack, records the config the drill changes, and brings the
        stack up at a known version unless --reuse. Returns whether it created the stack."""
        options = self.options
        created = False
        if not self.pulumi.stack_exists():
            if options.reuse:
                raise PulumiError(f"stack {options.stack} does not exist (--reuse)")
            self.log(f"== creating stack {options.stack}")
            self.pulumi.init()
            created = True
        config = self.pulumi.config()
        self.originals = {
            k: own_value(config.get(f"{PROJECT}:{k}"), project_default(options.cwd, k))
            for k in (VERSION_KEY, FAULT_KEY)
        }
        controller = config.get(f"{PROJECT}:{CONTROLLER_KEY}") or project_default(
            options.cwd, CONTROLLER_KEY
        )
        self.outcome.controller = str(controller or "CODE_DEPLOY")
        if str(self.originals[FAULT_KEY]).lower() == "true":
            raise PulumiError(f"{FAULT_KEY} is already on in stack {options.stack}: turn it off")
        if not options.reuse:
            self.log(f"== bringing {options.stack} up at drill-{run_id}-base")
            self.set(VERSION_KEY, f"drill-{run_id}-base")
            base = self.pulumi.up(timeout=self.remaining())
            if base.timed_out or base.returncode != 0:
                raise PulumiError("`pulumi up` of the base version failed; see pulumi.log")
        return created

    def _start_load(self) -> None:
        options = self.options
        url = self.pulumi.outputs().get("url")
        if not url:
            raise PulumiError(f"stack {options.stack} has no `url` output")
        self.outcome.url = url
        self.load = LoadGenerator(
            url.rstrip("/") + options.path, rate=options.rate, connections=options.connections
        )
        self.log(f"== load: {options.rate:g} requests/s to {url.rstrip('/')}{options.path}")
        self.load.start()
        self.settle()

    def _finish(self, created: bool) -> None:
        if self.options.destroy and created:
            self.log(f"== destroying {self.options.stack} (created by this drill)")
            self.pulumi.destroy(timeout=self.remaining())
        elif self.options.restore_release:
            self.log("== releasing the stack's own config again (pulumi up)")
            restore = self.pulumi.up(timeout=self.remaining())
            if restore.returncode != 0:
                self.outcome.notes.append("the final `pulumi up` failed; see pulumi.log")

    def stop_load(self) -> None:
        if self.load is not None and not self.outcome.samples:
            self.outcome.samples = self.load.stop()
            self.outcome.load_seconds = self.load.now()
