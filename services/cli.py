"""`vaxshare`: one command line for operators, publishers and the services themselves.

The commands below ship with the services. Development tooling (the simulator, the local
stack, the demo) lives outside `services/` and adds its own commands through the
`vaxshare.commands` entry point when it is installed (an install from the repository, never
the production image); this module never imports it by name.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points

# command -> (module, function, one-line help); imported only when the command runs.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "topics": ("services.platform.topics_cli", "main", "create the Kafka topics"),
    "kafka-acls": ("services.platform.kafka_acls_cli", "main", "grant the Kafka ACLs"),
    "kafka-users": (
        "services.platform.kafka_users_cli",
        "main",
        "add, rotate or remove a Kafka principal",
    ),
    "publish": ("services.ingest.publish_cli", "main", "post a file of events to the ingest"),
    "keys": ("services.ingest.keys_cli", "main", "create, revoke and list API keys"),
    "ingest": ("services.ingest.main", "main", "run the publisher HTTP service"),
    "aggregate": ("services.aggregate.main", "main", "run or rebuild the aggregator"),
    "release": ("services.release.cli", "main", "create, list, publish releases"),
    "api": ("services.api.main", "main", "run the council HTTP API"),
    "audit": ("services.api.audit_cli", "main", "read the data-access audit log"),
    "dead-letters": (
        "services.platform.dead_letters_cli",
        "main",
        "dead letters by stage, reason and publisher",
    ),
}

EXTENSIONS = "vaxshare.commands"
"""Entry-point group whose values are mappings shaped like `COMMANDS`."""


def commands() -> dict[str, tuple[str, str, str]]:
    """The service commands and those of every installed extension (development tooling)."""
    found = dict(COMMANDS)
    for entry in entry_points(group=EXTENSIONS):
        try:
            extra: Mapping[str, tuple[str, str, str]] = entry.load()
        except ModuleNotFoundError:
            continue  # registered by the project's metadata, but not installed here
        found.update({name: spec for name, spec in extra.items() if name not in COMMANDS})
    return found


def _usage(known: Mapping[str, tuple[str, str, str]]) -> str:
    lines = ["usage: vaxshare COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<13} {help_}" for name, (_, _, help_) in known.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run a `vaxshare` sub-command and return its exit status."""
    args = sys.argv[1:] if argv is None else argv
    known = commands()
    if not args or args[0] in ("-h", "--help"):
        print(_usage(known))
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in known:
        print(f"vaxshare: unknown command {name!r}\n\n{_usage(known)}", file=sys.stderr)
        return 2
    module, func, _ = known[name]
    run: Callable[[list[str]], int | None] = getattr(importlib.import_module(module), func)
    return run(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
