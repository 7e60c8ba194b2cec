"""`vaxshare release create|list|show|publish|hold`: the operator's release workflow.

Publish and hold follow `releases.lifecycle`, the rules the operator API follows too. Every
command first marks failed any release stuck in `building` (its builder died mid-build).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime

from services.platform.json_logging import configure_logging
from services.platform.redis_client import connect
from services.platform.release_store import ReleaseStore
from services.reference.areas import load_areas
from services.release.bootstrap import release_builder
from services.release.errors import ReleaseError, UnknownReleaseError
from services.release.settings import ReleaseSettings
from services.releases import lifecycle
from services.releases.errors import ReleaseConflict
from services.releases.model import ReleaseMeta, Rollback


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vaxshare release", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="cut, verify and protect a new release")
    create.add_argument(
        "--as-of", type=date.fromisoformat, help="last vaccination date (default: yesterday)"
    )
    create.add_argument(
        "--publish", action="store_true", help="publish at once if every check passes"
    )
    sub.add_parser("list", help="every release, newest first")
    show = sub.add_parser("show", help="one release's checks and disclosure audit")
    show.add_argument("id", type=int)
    publish = sub.add_parser(
        "publish", help="publish a draft, or a held release an operator has reviewed"
    )
    publish.add_argument("id", type=int)
    publish.add_argument(
        "--allow-older-data",
        action="store_true",
        help="publish although its data end before the latest published release's "
        "(councils' latest figures go back); needs --reason",
    )
    publish.add_argument("--reason", help="why, recorded in the release with who published it")
    hold = sub.add_parser("hold", help="hold a draft release with a reason")
    hold.add_argument("id", type=int)
    hold.add_argument("--reason", required=True)
    return parser


def main(argv: list[str]) -> int:
    """Run one release command; exit 1 when the release is held or the command fails."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.action == "publish" and bool(args.allow_older_data) != bool(args.reason):
        parser.error("--allow-older-data and --reason go together")
    settings = ReleaseSettings()
    configure_logging("release", settings.log_level)
    client = connect(settings)
    builder = release_builder(client, settings=settings, areas=load_areas())
    store = ReleaseStore(client, prefix=settings.redis_prefix)
    try:
        for failed in builder.fail_stuck():
            print(f"release {failed.id}: failed ({failed.held_reasons[-1]})", file=sys.stderr)
        if args.action == "create":
            meta = builder.create(as_of=args.as_of, publish=args.publish)
            _print_meta(meta)
            return 0 if not meta.held_reasons else 1
        if args.action == "list":
            for meta in store.all():
                print(_list_line(meta))
            return 0
        meta = _get(store, args.id)
        if args.action == "show":
            print(json.dumps(asdict(meta), indent=2, default=str))
        elif args.action == "publish":
            meta = lifecycle.publish(
                meta,
                at=datetime.now(UTC),
                latest=store.latest_published_meta(),
                rollback_reason=args.reason,
                by=_operator(),
            )
            store.publish(meta)
            _print_meta(meta)
        else:
            meta = lifecycle.hold(meta, args.reason, by=_operator())
            store.save(meta)
            _print_meta(meta)
        return 0
    except (ReleaseError, ReleaseConflict) as exc:
        print(f"vaxshare release {args.action}: {exc}", file=sys.stderr)
        return 1


def _get(store: ReleaseStore, release_id: int) -> ReleaseMeta:
    meta = store.get(release_id)
    if meta is None:
        raise UnknownReleaseError(f"no release {release_id}")
    return meta


def _operator() -> str:
    return f"{getpass.getuser()}, command line"


def _list_line(meta: ReleaseMeta) -> str:
    published = meta.published_at or "-"
    line = (
        f"{meta.id:>5}  {meta.status.value:<10} data to {meta.as_of}  published {published:<25}  "
        f"created {meta.created_at}  policy {meta.policy}"
    )
    return line + (f"  ({_rollback(meta.rollback)})" if meta.rollback else "")


def _rollback(back: Rollback) -> str:
    return (
        f"published over release {back.latest_id}, data to {back.latest_as_of}: "
        f"{back.reason} (by {back.by})"
    )


def _print_meta(meta: ReleaseMeta) -> None:
    published = f", published {meta.published_at}" if meta.published_at else ""
    print(
        f"release {meta.id}: {meta.status.value} (data to {meta.as_of}{published}, "
        f"policy {meta.policy})"
    )
    if meta.rollback:
        print(f"  {_rollback(meta.rollback)}")
    for check in meta.checks:
        print(f"  [{'ok' if check.passed else 'FAIL'}] {check.name}: {check.detail}")
    audit = meta.audit
    if audit:
        print(
            f"  disclosure: audit {'passed' if audit.get('passed') else 'FAILED'}, "
            f"{audit.get('coarsened_groups', 0)} groups coarser than the policy's step, "
            f"{audit.get('held_back_groups', 0)} with early figures held back, "
            f"{audit.get('latest_held_groups', 0)} with their latest figures blank, "
            f"{audit.get('withheld_groups', 0)} withheld"
        )
        for loss in audit.get("loss", []):
            print(
                f"    {loss['breakdown']} dose {loss['dose']}: "
                f"{100 * float(loss['blank_share_latest']):.3f}% of people blank on the last "
                f"date, {100 * float(loss['blank_share_all_dates']):.3f}% over all dates "
                f"({100 * float(loss.get('protective_blank_share_all_dates', 0)):.3f}% "
                "in blanks of 8 or more); "
                f"{loss['large_blank_latest']} groups of 100+ blank; "
                f"largest blank {loss['largest_blank_latest']} (last date), "
                f"{loss['largest_blank']} (any date)"
            )
    for reason in meta.held_reasons:
        print(f"  held: {reason}")
