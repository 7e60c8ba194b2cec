"""`vaxshare kafka-users add|rotate|remove|list`: Kafka principals on a running cluster.

Run as a Kafka super user (`VAXSHARE_KAFKA_USERNAME`/`_PASSWORD` of an administrator), like
`vaxshare kafka-acls`. `add NAME` makes a national system's principal and grants it the
publisher's ACLs (write the events topic, nothing else); `rotate NAME` gives any principal a
new password; `remove NAME` deletes its credential and every ACL naming it. The password is
new and random, printed once on stdout, unless `--password-stdin` reads one (a secret
store's). Each returns once the broker behaves accordingly.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import SecretStr

from services.platform.errors import PlatformError
from services.platform.kafka_acls import apply_grants, publisher_grants, revoke_all
from services.platform.kafka_users import (
    check_name,
    delete_user,
    new_password,
    scram_users,
    set_password,
)
from services.platform.settings import KafkaClientSettings


def _password(from_stdin: bool) -> SecretStr:
    if not from_stdin:
        return new_password()
    given = sys.stdin.readline().rstrip("\r\n")
    if len(given) < 16:
        raise PlatformError("the password on stdin is shorter than 16 characters")
    return SecretStr(given)


def _run(args: argparse.Namespace) -> None:
    settings = KafkaClientSettings()
    bootstrap, admin = settings.kafka_bootstrap, settings.kafka_auth()
    if args.action == "list":
        print("\n".join(scram_users(bootstrap, admin)))
        return
    name = check_name(args.name)
    if args.action == "remove":
        delete_user(bootstrap, admin, name)
        count = revoke_all(bootstrap, admin, name)
        print(f"removed Kafka user {name} and its {count} ACLs")
        return
    password = _password(args.password_stdin)
    set_password(bootstrap, admin, name, password, new=args.action == "add")
    if args.action == "add":
        table = publisher_grants(name, events_topic=settings.events_topic)
        apply_grants(bootstrap, admin, table)
        for grant in table:
            print(f"granted User:{name} {grant.operation} {grant.resource} {grant.name}")
    print(f"Kafka user {name} logs in with SCRAM-SHA-512 over TLS")
    if not args.password_stdin:
        print(f"password (shown once, hand it on through a secret store): "
              f"{password.get_secret_value()}")  # fmt: skip


def main(argv: list[str]) -> int:
    """Add, rotate, remove or list Kafka's SCRAM users."""
    parser = argparse.ArgumentParser(prog="vaxshare kafka-users")
    commands = parser.add_subparsers(dest="action", required=True)
    commands.add_parser("list", help="every SCRAM user")
    for action, help_ in (
        ("add", "a national system's principal, with the publisher's ACLs"),
        ("rotate", "a new password for an existing principal"),
        ("remove", "delete a principal and its ACLs"),
    ):
        command = commands.add_parser(action, help=help_)
        command.add_argument("name")
        if action != "remove":
            command.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    try:
        _run(args)
    except PlatformError as exc:
        print(f"vaxshare kafka-users {args.action}: {exc}", file=sys.stderr)
        return 1
    return 0
