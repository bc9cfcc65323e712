"""`scripts/drill`: the release drill's command line."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from drill import chart, report
from drill.orchestrate import Drill, Options

DESCRIPTION = """\
Proves zero downtime in your own account, with your own `pulumi` CLI and AWS credentials:

  1. brings STACK up at a known version (`appVersion` drill-<time>-base; --reuse keeps it as is)
  2. sends a steady load (--rate requests/s over keep-alive connections) to the `url` output
  3. releases a good version (a new `appVersion`: a new task definition, no image build)
  4. releases a broken one (`failHealthCheck` on: its health path answers 500) and expects
     `pulumi up` to fail with the rollback message while production keeps the good version
  5. restores the stack's config, then `pulumi up` once more (or --destroy a stack it created)
  6. writes report.txt, report.json, responses.csv, chart.png and pulumi.log to --out

It stops by itself after --timeout-minutes. Ctrl-C (or SIGTERM) cancels the running `pulumi`
command and restores the config: the fault switch is never left on. Exit status: 0 when every
check passed, 1 when one failed, 2 when the drill could not finish.
"""


def _options(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="scripts/drill",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stack", help="the Pulumi stack to drill (e.g. dev, or org/project/dev)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second (20)")
    parser.add_argument(
        "--connections", type=int, default=4, help="keep-alive connections, as a browser (4)"
    )
    parser.add_argument("--path", default="/", help="path requested on the url (/)")
    parser.add_argument(
        "--reuse", action="store_true", help="use the stack as it is: no base release first"
    )
    parser.add_argument(
        "--destroy",
        action="store_true",
        help="destroy the stack at the end if the drill created it",
    )
    parser.add_argument(
        "--no-restore-release",
        dest="restore_release",
        action="store_false",
        help="restore the config only, without the final `pulumi up`",
    )
    parser.add_argument(
        "--timeout-minutes", type=float, default=60.0, help="budget of the whole drill (60)"
    )
    parser.add_argument(
        "--settle-seconds", type=float, default=15.0, help="load before, between and after (15)"
    )
    parser.add_argument("--out", type=Path, help="report folder (drill-runs/<stack>-<time>)")
    parser.add_argument("--pulumi", default="pulumi", help="the pulumi executable (pulumi)")
    parser.add_argument("--cwd", type=Path, default=Path(), help="the Pulumi project folder (.)")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.connections < 1 or args.timeout_minutes <= 0:
        parser.error("--rate and --timeout-minutes must be > 0, --connections >= 1")
    if not args.path.startswith("/"):
        parser.error(f"--path: {args.path!r} must start with '/'")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    out = args.out or Path("drill-runs") / f"{args.stack.replace('/', '_')}-{stamp}"
    return Options(
        stack=args.stack,
        out=out,
        cwd=args.cwd,
        rate=args.rate,
        connections=args.connections,
        path=args.path,
        reuse=args.reuse,
        destroy=args.destroy,
        restore_release=args.restore_release,
        timeout_minutes=args.timeout_minutes,
        settle_seconds=args.settle_seconds,
        pulumi=args.pulumi,
    )


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM and SIGHUP take Ctrl-C's path, so the config is restored on those too."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str]) -> int:
    options = _options(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    outcome = Drill(options).run()
    result = report.build(outcome)
    report.write(result, outcome.samples, options.out)
    chart.render(result, outcome.samples, options.out / "chart.png")
    print(report.render_text(result))
    print(f"report: {options.out}/report.json, chart: {options.out}/chart.png")
    if outcome.status != "completed":
        return 2
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
