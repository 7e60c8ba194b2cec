"""`vaxshare keys create|revoke|list`: API keys for publishers, councils and operators.

A key is printed once, when it is created; only its hash is stored (in Redis, under
`VAXSHARE_REDIS_PREFIX`), so a lost key cannot be shown again: revoke it and make another.
"""

from __future__ import annotations

import argparse
import sys

import redis

from services.access.roles import Role
from services.platform.key_store import KeyStore, KeyStoreError
from services.platform.redis_client import connect
from services.platform.settings import CommonSettings
from services.reference.areas import load_areas


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vaxshare keys", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="make a key and print it once")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", required=True, help="whose key it is (publisher: its system)")
    create.add_argument(
        "--areas", default="", help="council keys: comma-separated LTLA/UTLA codes it may see"
    )
    revoke = sub.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    sub.add_parser("list", help="every key: id, role, name, areas, created, revoked")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Create, revoke or list API keys."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    settings = CommonSettings()
    client = connect(settings)
    store = KeyStore(client, prefix=settings.redis_prefix)
    try:
        if args.action == "create":
            return _create(store, args.role, args.name, args.areas)
        if args.action == "revoke":
            principal = store.revoke(args.key_id)
            print(f"revoked {principal.key_id} ({principal.role.value} {principal.name!r})")
            return 0
        _list(store)
        return 0
    except KeyStoreError as exc:
        print(f"vaxshare keys {args.action}: {exc}", file=sys.stderr)
        return 1
    except redis.RedisError as exc:
        print(f"vaxshare keys {args.action}: Redis unavailable: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()


def _create(store: KeyStore, role: str, name: str, areas_arg: str) -> int:
    areas = tuple(code.strip().upper() for code in areas_arg.split(",") if code.strip())
    registry = load_areas()
    unknown = [code for code in areas if registry.get(code) is None]
    if unknown:
        print(f"vaxshare keys create: unknown area codes: {', '.join(unknown)}", file=sys.stderr)
        return 1
    key, principal = store.create(role, name, areas)
    print(f"key id: {principal.key_id}")
    print(f"role:   {principal.role.value}")
    print(f"name:   {principal.name}")
    if principal.areas:
        print(f"areas:  {', '.join(principal.areas)}")
    print(f"key:    {key}")
    print("The key is shown only now; store it safely.", file=sys.stderr)
    return 0


def _list(store: KeyStore) -> None:
    print(f"{'KEY ID':<14}{'ROLE':<11}{'STATUS':<9}{'CREATED':<27}NAME (AREAS)")
    for p in store.list():
        status = "active" if p.active else "revoked"
        areas = f" ({', '.join(p.areas)})" if p.areas else ""
        print(f"{p.key_id:<14}{p.role.value:<11}{status:<9}{p.created_at:<27}{p.name}{areas}")
