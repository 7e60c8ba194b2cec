"""`vaxshare demo` (`make demo`): the whole service on this machine with a realistic feed.

Starts Kafka and Redis, the ingest, two aggregators and the council API; simulates the eight
North West London boroughs at full population scale, first and second doses from 8 December
2020 to 30 June 2021; publishes the bulk straight to Kafka as a national system would and
the last week through the ingest HTTP API as GP systems would; waits until every event is
counted; builds and publishes a release; prints the URLs and demo keys and writes them to
`.run/demo.json`. The stack keeps running; `make down` stops it.

Every process connects as its own Kafka principal and Redis user (`.run/secrets/`): the
national system as `national-demo`, each service as itself, and this script, which creates
the topics, the demo keys and the release, as the operator.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from tqdm import tqdm

from devtools.localstack import runner
from devtools.localstack.credentials import StackSecrets
from devtools.simulator.output import record_to_json
from devtools.simulator.simulator import NW_LONDON, SimulatedRecord, SimulationConfig, Simulator
from services.access.roles import Role
from services.contract.codec import encode
from services.platform.kafka_producer import AckedProducer, OutgoingRecord
from services.platform.kafka_topics import ensure_topics
from services.platform.key_store import KeyStore
from services.platform.redis_client import connect
from services.platform.settings import CommonSettings
from services.reference.areas import load_areas
from services.release.bootstrap import release_builder
from services.release.counts_reader import CountsReader
from services.release.cut import end_offsets
from services.release.settings import ReleaseSettings

API_PORT, INGEST_PORT = 8080, 8081
AGGREGATE_PORTS = (8082, 8083)  # two aggregators: one per core of a small machine
AGGREGATE_PORT = AGGREGATE_PORTS[0]
PARTITIONS = 12
END = date(2021, 6, 30)
HTTP_DAYS = 7
TOPIC = runner.EVENTS_TOPIC
_KEY = "VAXSHARE_PSEUDONYM_KEY"
PUBLISH_CHUNK = 20_000  # records sent, then acknowledged, at a time
_CREDENTIALS = (
    "VAXSHARE_KAFKA_USERNAME",
    "VAXSHARE_KAFKA_PASSWORD",
    "VAXSHARE_KAFKA_CA_FILE",
    "VAXSHARE_REDIS_USERNAME",
    "VAXSHARE_REDIS_PASSWORD",
    "VAXSHARE_REDIS_CA_FILE",
)


def _env(run_dir: Path = runner.DEFAULT_RUN_DIR) -> dict[str, str]:
    """The settings every service of the demo shares (the pseudonym key is not one)."""
    return {
        "VAXSHARE_KAFKA_BOOTSTRAP": f"127.0.0.1:{runner.KAFKA_PORT}",
        **runner.redis_connection(run_dir),
        "VAXSHARE_AGGREGATE_GROUP_ID": runner.AGGREGATE_GROUP,
        "VAXSHARE_EVENTS_PARTITIONS": str(PARTITIONS),
        "VAXSHARE_INGEST_PORT": str(INGEST_PORT),
        "VAXSHARE_API_PORT": str(API_PORT),
    }


def _pseudonym_key(run_dir: Path) -> str:
    key_file = run_dir / "pseudonym.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    return key_file.read_text().strip()


def services(
    env: dict[str, str], pseudonym_key: str, secrets: StackSecrets
) -> list[tuple[str, list[str], int, dict[str, str]]]:
    """What the demo starts: name, arguments, port and settings.

    Only the ingest has the pseudonym key; each service has its own credentials only.
    """
    cli = ["-m", "services.cli"]
    ingest_env = {**env, **secrets.service_env("ingest"), _KEY: pseudonym_key}
    started = [("ingest", [*cli, "ingest"], INGEST_PORT, ingest_env)]
    for i, port in enumerate(AGGREGATE_PORTS):  # one consumer group: they share the partitions
        started.append(
            (
                "aggregate" if i == 0 else f"aggregate-{i + 1}",
                [*cli, "aggregate", "run"],
                port,
                {
                    **env,
                    **secrets.service_env("aggregate"),
                    "VAXSHARE_AGGREGATE_METRICS_PORT": str(port),
                },
            )
        )
    started.append(("api", [*cli, "api"], API_PORT, {**env, **secrets.service_env("api")}))
    return started


def main(argv: list[str]) -> int:
    """Run the demo; return 0 with the stack up, or 1 with the reason."""
    parser = argparse.ArgumentParser(prog="vaxshare demo", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the real population")
    parser.add_argument("--run-dir", type=Path, default=runner.DEFAULT_RUN_DIR)
    args = parser.parse_args(argv)
    run_dir: Path = args.run_dir
    started = time.monotonic()

    if not runner.running(run_dir):
        for stale in ("kafka", "redis"):  # a fresh demo each time the stack was down
            shutil.rmtree(run_dir / stale, ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    # Services inherit this process's environment: none but the ingest may see the key, and
    # none may see another's credentials (the stack's Redis CA, in `env`, is everyone's).
    for name in (_KEY, *_CREDENTIALS):
        os.environ.pop(name, None)
    env = _env(run_dir)
    os.environ.update(env)
    pseudonym_key = _pseudonym_key(run_dir)
    print("Starting Kafka and Redis (TLS, SCRAM and ACLs) ...", flush=True)
    secrets = runner.stack_secrets(run_dir)
    runner.up(run_dir)
    operator = secrets.service_settings("operator")
    ensure_topics(
        env["VAXSHARE_KAFKA_BOOTSTRAP"],
        {TOPIC: PARTITIONS, f"{TOPIC}.dlq": 3},
        auth=secrets.kafka_auth("operator"),
    )
    redis = connect(CommonSettings(**operator))
    keys = _keys(KeyStore(redis, prefix=env["VAXSHARE_REDIS_PREFIX"]))

    print("Starting the ingest, two aggregators and the council API ...", flush=True)
    for name, arguments, port, service_env in services(env, pseudonym_key, secrets):
        runner.start_service(name, arguments, port=port, env=service_env, run_dir=run_dir)

    print(f"Simulating North West London at scale {args.scale} ...", flush=True)
    config = SimulationConfig(
        areas=NW_LONDON,
        scale=args.scale,
        end=END,
        # The demo's national system pseudonymises with the ingest's key, as the docs say.
        pseudonym_key=bytes.fromhex(pseudonym_key),
    )
    records = Simulator(config).records()
    cutoff = datetime.combine(END - timedelta(days=HTTP_DAYS - 1), datetime.min.time(), UTC)
    bulk = [r for r in records if r.event.recorded_at < cutoff]
    recent = [r for r in records if r.event.recorded_at >= cutoff]
    _publish_to_kafka(bulk, env["VAXSHARE_KAFKA_BOOTSTRAP"], secrets)
    summary = _post_to_ingest(recent, keys["publisher"])
    _wait_counted(redis, env, secrets)

    print("Building the release (verify, disclosure control, audit) ...", flush=True)
    settings = ReleaseSettings(**operator)
    meta = release_builder(redis, settings=settings, areas=load_areas()).create(
        as_of=END, publish=True
    )
    urls = {
        "api": f"http://127.0.0.1:{API_PORT}/v1",
        "ingest": f"http://127.0.0.1:{INGEST_PORT}/v1/events",
        "dashboard": f"http://127.0.0.1:{API_PORT}/dashboard",
        "docs": f"http://127.0.0.1:{API_PORT}/v1/docs",
        "api_metrics": f"http://127.0.0.1:{API_PORT}/metrics",
        "ingest_metrics": f"http://127.0.0.1:{INGEST_PORT}/metrics",
        "aggregate_metrics": f"http://127.0.0.1:{AGGREGATE_PORT}/metrics",
    }
    (run_dir / "demo.json").write_text(json.dumps({"urls": urls, "keys": keys}, indent=2))
    _report(meta.id, meta.status.value, meta.held_reasons, urls, keys, summary, run_dir)
    _report_credentials(secrets)
    print(f"Ready in {time.monotonic() - started:.0f} s. `make down` stops everything.")
    return 0 if meta.status.value == "published" else 1


def _keys(store: KeyStore) -> dict[str, str]:
    publisher, _ = store.create(Role.PUBLISHER, "Demo GP system supplier")
    operator, _ = store.create(Role.OPERATOR, "Demo operator")
    hf, _ = store.create(Role.COUNCIL, "Hammersmith and Fulham public health", ("E09000013",))
    brent, _ = store.create(Role.COUNCIL, "Brent public health", ("E09000005",))
    return {
        "publisher": publisher,
        "operator": operator,
        "council_E09000013": hf,
        "council_E09000005": brent,
    }


def _publish_to_kafka(
    records: list[SimulatedRecord], bootstrap: str, secrets: StackSecrets
) -> None:
    """What a national system does: Avro single-object records, keyed by person, acks=all."""
    producer = AckedProducer(
        bootstrap=bootstrap,
        auth=secrets.kafka_auth(runner.NATIONAL_PUBLISHER),
        client_id="vaxshare-demo",
        timeout_seconds=120,
    )
    with tqdm(total=len(records), desc="Kafka (national system)", unit="ev") as bar:
        for start in range(0, len(records), PUBLISH_CHUNK):
            chunk = records[start : start + PUBLISH_CHUNK]
            producer.send_all(
                [OutgoingRecord(TOPIC, r.event.person_key.encode(), encode(r.event)) for r in chunk]
            )
            bar.update(len(chunk))
    producer.close()


def _post_to_ingest(records: list[SimulatedRecord], key: str) -> dict[str, int]:
    """What GP systems do: JSON batches with NHS numbers over HTTP."""
    summary = {"accepted": 0, "rejected": 0}
    url = f"http://127.0.0.1:{INGEST_PORT}/v1/events"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
    with (
        httpx.Client(timeout=60) as client,
        tqdm(total=len(records), desc="HTTP ingest (GP systems)", unit="ev") as bar,
    ):
        for start in range(0, len(records), 1000):
            chunk = records[start : start + 1000]
            body = b"\n".join(
                json.dumps(record_to_json(r, with_nhs_numbers=True)).encode() for r in chunk
            )
            answer = client.post(url, content=body, headers=headers)
            if answer.status_code >= 500 or answer.status_code in (401, 403):
                raise SystemExit(f"ingest answered {answer.status_code}: {answer.text[:500]}")
            for item in answer.json().get("results", []):
                summary["accepted" if item.get("status") == "accepted" else "rejected"] += 1
            bar.update(len(chunk))
    return summary


def _wait_counted(redis: object, env: dict[str, str], secrets: StackSecrets) -> None:
    """Follow the aggregator until it has consumed every record in the topic."""
    reader = CountsReader(redis, prefix=env["VAXSHARE_REDIS_PREFIX"])  # type: ignore[arg-type]
    target = end_offsets(env["VAXSHARE_KAFKA_BOOTSTRAP"], TOPIC, secrets.kafka_auth("operator"))
    goal = sum(target.values())
    with tqdm(total=goal, desc="Aggregator counting", unit="ev") as bar:
        while True:
            done = sum(min(reader.offsets().get(p, 0), off) for p, off in target.items())
            bar.update(done - bar.n)
            if done >= goal:
                return
            time.sleep(0.5)


def _report(
    release_id: int,
    status: str,
    held: list[str],
    urls: dict[str, str],
    keys: dict[str, str],
    summary: dict[str, int],
    run_dir: Path,
) -> None:
    print()
    print(f"Release {release_id}: {status}")
    for reason in held:
        print(f"  held: {reason}")
    print(f"HTTP ingest: {summary['accepted']} accepted, {summary['rejected']} rejected")
    print()
    print(f"  Dashboard      {urls['dashboard']}")
    print(f"  API docs       {urls['docs']}")
    print(f"  Council API    {urls['api']}")
    print(f"  Ingest API     {urls['ingest']}")
    for name in ("api_metrics", "ingest_metrics", "aggregate_metrics"):
        print(f"  Metrics        {urls[name]}")
    for port in AGGREGATE_PORTS[1:]:
        print(f"  Metrics        http://127.0.0.1:{port}/metrics")
    print()
    print("  Demo keys (Authorization: Bearer <key>):")
    for name, key in keys.items():
        print(f"    {name:<20} {key}")
    print()
    print(f"  Written for scripts to {run_dir / 'demo.json'}")
    print(
        '  Try: curl -H "Authorization: Bearer $(jq -r .keys.council_E09000013 .run/demo.json)" '
        f"'{urls['api']}/areas/E09000013/summary?breakdown=ethnic_group'"
    )


def _report_credentials(secrets: StackSecrets) -> None:
    print()
    print(f"  Kafka and Redis credentials: {secrets.folder}/ (CA, passwords.json, <service>.env)")
    print(f"    Kafka principals: {', '.join(sorted(secrets.kafka_passwords))}")
    print(f"    Redis users:      {', '.join(sorted(secrets.redis_passwords))}")
    print(f"  Operator commands: set -a; . {secrets.folder}/operator.env; set +a")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
