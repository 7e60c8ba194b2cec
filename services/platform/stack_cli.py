"""`vaxshare stack up|down|status` and `vaxshare topics create`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.platform import local_runner
from services.platform.errors import PlatformError
from services.platform.kafka_topics import ensure_topics
from services.platform.settings import CommonSettings


def main(argv: list[str]) -> int:
    """Start, stop or show the local Kafka and Redis."""
    parser = argparse.ArgumentParser(prog="vaxshare stack")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--run-dir", type=Path, default=local_runner.DEFAULT_RUN_DIR)
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            for proc in local_runner.up(args.run_dir).values():
                print(f"{proc.name:<10} running  pid {proc.pid:<8} port {proc.port}")
        elif args.action == "down":
            stopped = local_runner.down(args.run_dir)
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        else:
            procs = local_runner.running(args.run_dir)
            if not procs:
                print("nothing is running")
            for proc in procs.values():
                print(
                    f"{proc.name:<10} running  pid {proc.pid:<8} port {proc.port}  log {proc.log}"
                )
    except PlatformError as exc:
        print(f"vaxshare stack {args.action}: {exc}", file=sys.stderr)
        return 1
    return 0


def topics_main(argv: list[str]) -> int:
    """Create the events and dead-letter topics if they do not exist."""
    parser = argparse.ArgumentParser(prog="vaxshare topics")
    parser.add_argument("action", choices=["create"])
    parser.parse_args(argv)
    settings = CommonSettings()
    try:
        created = ensure_topics(
            settings.kafka_bootstrap,
            {settings.events_topic: settings.events_partitions, settings.dlq_topic: 3},
        )
    except PlatformError as exc:
        print(f"vaxshare topics create: {exc}", file=sys.stderr)
        return 1
    print("created: " + (", ".join(created) if created else "nothing (topics already exist)"))
    return 0
