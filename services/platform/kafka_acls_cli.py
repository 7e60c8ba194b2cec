"""`vaxshare kafka-acls grant`: give every principal its least-privilege ACLs (an admin runs it).

Run as a Kafka super user (`VAXSHARE_KAFKA_USERNAME`/`_PASSWORD` of an administrator) with the
deployment's topic names; `--publisher NAME` (repeatable) also lets each national system's
principal write the events topic. Granting again changes nothing.
"""

from __future__ import annotations

import argparse
import sys

from services.platform.errors import PlatformError
from services.platform.kafka_acls import Principals, apply_grants, grants
from services.platform.settings import KafkaClientSettings


def main(argv: list[str]) -> int:
    """Grant the service's ACLs for the configured topics."""
    parser = argparse.ArgumentParser(prog="vaxshare kafka-acls")
    parser.add_argument("action", choices=["grant"])
    parser.add_argument("--aggregate-group", default="vaxshare-aggregate")
    parser.add_argument("--publisher", action="append", default=[], help="a national system")
    args = parser.parse_args(argv)
    settings = KafkaClientSettings()
    table = grants(
        events_topic=settings.events_topic,
        dlq_topic=settings.dlq_topic,
        aggregate_group=args.aggregate_group,
        principals=Principals(publishers=tuple(args.publisher)),
    )
    try:
        count = apply_grants(settings.kafka_bootstrap, settings.kafka_auth(), table)
    except PlatformError as exc:
        print(f"vaxshare kafka-acls grant: {exc}", file=sys.stderr)
        return 1
    for grant in table:
        print(f"User:{grant.principal:<20} {grant.operation:<9} {grant.resource} {grant.name}")
    print(f"{count} ACLs granted")
    return 0
