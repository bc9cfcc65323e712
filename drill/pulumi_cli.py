"""The user's own `pulumi` CLI, run as a subprocess with a deadline.

The drill changes nothing the CLI would not: `pulumi config set/rm`, `pulumi up --yes`,
`pulumi stack output --json`, with the stack named on every command so the selected stack
never matters.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: After a deadline the CLI gets SIGINT (it cancels cleanly: the engine stops scheduling and
#: saves state); it is killed only if it has not exited this many seconds later.
CANCEL_GRACE_SECONDS = 30.0


class PulumiError(RuntimeError):
    """A pulumi command the drill cannot go on without failed."""


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float
    timed_out: bool


class Pulumi:
    """Runs `pulumi ... --stack <stack>` in `cwd`, appending every command's output to `log`."""

    def __init__(
        self,
        stack: str,
        *,
        cwd: Path,
        log: Path,
        executable: str = "pulumi",
        cancel_grace: float = CANCEL_GRACE_SECONDS,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.stack = stack
        self.cwd = cwd
        self.log = log
        self.executable = executable
        self.cancel_grace = cancel_grace
        self.echo = echo

    def run(self, *args: str, timeout: float, check: bool = True, stack: bool = True) -> Run:
        """Runs one command; on timeout or Ctrl-C it is cancelled (SIGINT), then killed."""
        argv = [self.executable, *args, *(("--stack", self.stack) if stack else ())]
        started = time.monotonic()
        # Its own session: a Ctrl-C in the terminal reaches the drill only, which then cancels
        # the CLI itself and restores the config, in that order.
        process = subprocess.Popen(
            argv,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        )
        lines: list[str] = []
        reader = threading.Thread(target=self._read, args=(process, lines), daemon=True)
        reader.start()
        timed_out = False
        try:
            # The reader ends when the CLI closes its output, that is when it exits; a thread
            # join wakes at once, where Popen.wait(timeout) polls.
            reader.join(max(timeout, 0.0))
            timed_out = reader.is_alive()
            if timed_out:
                self._cancel(process)
            else:
                process.wait()
        except BaseException:
            self._cancel(process)
            raise
        finally:
            reader.join(5)
        output = "".join(lines)
        run = Run(tuple(args), process.returncode, output, time.monotonic() - started, timed_out)
        with self.log.open("a") as log:
            log.write(f"$ {' '.join(argv)}\n{output}")
            log.write(f"[exit {run.returncode}{', timed out' if timed_out else ''}]\n\n")
        if check and (timed_out or run.returncode != 0):
            reason = f"timed out after {timeout:.0f} s" if timed_out else f"exit {run.returncode}"
            raise PulumiError(f"`pulumi {' '.join(args)}` failed ({reason}):\n{output[-2000:]}")
        return run

    def _read(self, process: subprocess.Popen[str], lines: list[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if self.echo is not None:
                self.echo(line.rstrip("\n"))

    def _cancel(self, process: subprocess.Popen[str]) -> None:
        if process.poll() is not None:
            return
        # The CLI may exit between the poll and the signal.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=self.cancel_grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    # --- the commands the drill uses ----------------------------------------------------

    def stack_exists(self) -> bool:
        run = self.run("stack", "ls", "--json", timeout=60, stack=False)
        wanted = self.stack.rsplit("/", 1)[-1]
        return any(s.get("name", "").rsplit("/", 1)[-1] == wanted for s in json.loads(run.output))

    def config(self) -> dict[str, Any]:
        """The stack's config values by full key (`project:key`), the defaults Pulumi.yaml
        declares included (the CLI lists them too)."""
        run = self.run("config", "--json", timeout=60)
        raw: dict[str, dict[str, Any]] = json.loads(run.output)
        return {key: entry.get("value") for key, entry in raw.items()}

    def config_set(self, key: str, value: str, *, timeout: float = 60) -> None:
        self.run("config", "set", key, value, timeout=timeout)

    def config_rm(self, key: str, *, timeout: float = 60) -> None:
        self.run("config", "rm", key, timeout=timeout)

    def outputs(self) -> dict[str, Any]:
        run = self.run("stack", "output", "--json", timeout=60)
        result: dict[str, Any] = json.loads(run.output)
        return result

    def init(self) -> None:
        self.run("stack", "init", self.stack, timeout=60, stack=False)

    def up(self, *, timeout: float) -> Run:
        return self.run(
            "up", "--yes", "--skip-preview", "--non-interactive", timeout=timeout, check=False
        )

    def destroy(self, *, timeout: float) -> None:
        self.run("destroy", "--yes", "--skip-preview", "--non-interactive", timeout=timeout)
        self.run("stack", "rm", "--yes", "--preserve-config", timeout=60)
