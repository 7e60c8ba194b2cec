"""`vaxshare stack up|down|status`: the local Kafka and Redis of a development machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devtools.localstack import runner
from devtools.localstack.errors import StackError


def main(argv: list[str]) -> int:
    """Start, stop or show the local Kafka and Redis."""
    parser = argparse.ArgumentParser(prog="vaxshare stack")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--run-dir", type=Path, default=runner.DEFAULT_RUN_DIR)
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            for proc in runner.up(args.run_dir).values():
                print(f"{proc.name:<10} running  pid {proc.pid:<8} port {proc.port}")
            where = runner.secrets_dir(args.run_dir)
            print(f"credentials and CA in {where}/ (operator: set -a; . {where}/operator.env)")
        elif args.action == "down":
            stopped = runner.down(args.run_dir)
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        else:
            procs = runner.running(args.run_dir)
            if not procs:
                print("nothing is running")
            for proc in procs.values():
                print(
                    f"{proc.name:<10} running  pid {proc.pid:<8} port {proc.port}  log {proc.log}"
                )
    except StackError as exc:
        print(f"vaxshare stack {args.action}: {exc}", file=sys.stderr)
        return 1
    return 0
