"""`vaxshare`: one command line for operators and developers, dispatching to each service."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

# command -> (module, function, one-line help); imported only when the command runs.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "stack": ("services.platform.stack_cli", "main", "start/stop local Kafka and Redis"),
    "topics": ("services.platform.stack_cli", "topics_main", "create the Kafka topics"),
    "simulate": ("services.ingest.simulate_cli", "simulate_main", "generate a simulated feed"),
    "publish": ("services.ingest.publish_cli", "main", "post a file of events to the ingest"),
    "keys": ("services.ingest.keys_cli", "main", "create, revoke and list API keys"),
    "ingest": ("services.ingest.main", "main", "run the publisher HTTP service"),
    "aggregate": ("services.aggregate.main", "main", "run or rebuild the aggregator"),
    "release": ("services.aggregate.release_cli", "main", "create, list, publish releases"),
    "api": ("services.api.main", "main", "run the council HTTP API"),
    "audit": ("services.api.audit_cli", "main", "read the data-access audit log"),
    "demo": ("services.demo", "main", "run the whole demo stack"),
}


def _usage() -> str:
    lines = ["usage: vaxshare COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, _, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run a `vaxshare` sub-command and return its exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"vaxshare: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module, func, _ = COMMANDS[name]
    run: Callable[[list[str]], int | None] = getattr(importlib.import_module(module), func)
    return run(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
