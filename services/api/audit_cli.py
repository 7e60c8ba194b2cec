"""`vaxshare audit tail [--key-id ID] [-n N] [--json]`: read the data-access audit log."""

from __future__ import annotations

import argparse
import json
import sys

from services.api.audit_log import AuditEntry, AuditLog
from services.api.settings import ApiSettings
from services.platform.redis_client import connect


def _line(entry: AuditEntry) -> str:
    release = "-" if entry.release_id is None else str(entry.release_id)
    return (
        f"{entry.time}  {entry.key_id}  {entry.role:<8}  {entry.name[:28]:<28}  "
        f"{entry.outcome:<12}  area={entry.area}  release={release}  rows={entry.rows}  "
        f"{entry.query}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the newest audit entries (newest first)."""
    parser = argparse.ArgumentParser(prog="vaxshare audit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    tail = sub.add_parser("tail", help="the newest entries, newest first")
    tail.add_argument("--key-id", help="only the reads of this key id")
    tail.add_argument("-n", type=int, default=20, help="how many entries (default 20)")
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("-n must be at least 1")
    settings = ApiSettings()
    log = AuditLog(connect(settings), prefix=settings.redis_prefix)
    entries = log.tail(args.n, key_id=args.key_id)
    for entry in entries:
        print(json.dumps(entry.as_dict()) if args.json else _line(entry))
    if not entries:
        print(
            "no audit entries" + (f" for key {args.key_id}" if args.key_id else ""), file=sys.stderr
        )
    return 0
