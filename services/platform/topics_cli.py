"""`vaxshare topics create`: the events and dead-letter topics, as a deployment needs them."""

from __future__ import annotations

import argparse
import sys

from services.platform.errors import PlatformError
from services.platform.kafka_topics import ensure_topics
from services.platform.settings import KafkaClientSettings


def main(argv: list[str]) -> int:
    """Create the events and dead-letter topics if they do not exist."""
    parser = argparse.ArgumentParser(prog="vaxshare topics")
    parser.add_argument("action", choices=["create"])
    parser.parse_args(argv)
    settings = KafkaClientSettings()
    try:
        created = ensure_topics(
            settings.kafka_bootstrap,
            {settings.events_topic: settings.events_partitions, settings.dlq_topic: 3},
            auth=settings.kafka_auth(),
        )
    except PlatformError as exc:
        print(f"vaxshare topics create: {exc}", file=sys.stderr)
        return 1
    print("created: " + (", ".join(created) if created else "nothing (topics already exist)"))
    return 0
