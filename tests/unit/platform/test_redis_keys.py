"""The Redis key layout: what an operator finds in Redis, and fields that round-trip."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from redis.crc import key_slot

from services.platform.redis_keys import (
    RedisKeys,
    dead_letter_field,
    parse_count_table,
    parse_dead_letter_field,
    parse_table_field,
    table_field,
)

keys = RedisKeys("vx")
names = st.text(st.characters(blacklist_characters="|:\n", blacklist_categories=["Cs"]), min_size=1)


def test_the_layout_an_operator_reads_in_redis() -> None:
    assert keys.active_generation == "vx:agg:{ctl}:generation"
    assert keys.counts("2", 5, "E09000013", 1, "sex") == "vx:g2:{s5}:c:E09000013:1:sex"
    assert keys.event_states("2", 5, 17) == "vx:g2:{s5}:e:17"
    assert (keys.offsets("2", 5), keys.stats("2", 5)) == ("vx:g2:{s5}:offsets", "vx:g2:{s5}:stats")
    assert keys.barrier == "vx:agg:{ctl}:barrier"
    assert keys.shard_barrier(5) == "vx:agg:{s5}:barrier"
    assert keys.dead_letter_counts == "vx:dlq:counts"
    assert keys.shard_dead_letter_counts(5) == "vx:dlq:{s5}:counts"
    assert (keys.releases, keys.release_latest) == ("vx:{releases}", "vx:{releases}:latest")
    assert keys.release_tables(3) == "vx:release:3:t"
    assert (keys.api_keys, keys.audit) == ("vx:keys", "vx:audit")


def test_every_key_of_a_generation_starts_with_its_prefix_and_no_other_generations() -> None:
    own = [keys.generation_meta("1"), keys.offsets("1", 0), keys.counts("1", 0, "E1", 1, "none")]
    assert all(k.startswith(keys.generation("1")) for k in own)
    assert not any(k.startswith(keys.generation("11")) for k in own)


@given(names, names)
def test_dead_letter_fields_round_trip(stage: str, reason: str) -> None:
    assert parse_dead_letter_field(dead_letter_field(stage, reason).encode()) == (stage, reason)


@given(names, st.integers(1, 9), names)
def test_table_fields_and_count_tables_round_trip(area: str, dose: int, breakdown: str) -> None:
    assert parse_table_field(table_field(area, dose, breakdown)) == (area, dose, breakdown)
    suffix = keys.counts("1", 0, area, dose, breakdown)[len(keys.counts_prefix("1", 0)) :]
    assert parse_count_table(suffix) == (area, dose, breakdown)


def test_no_other_module_spells_a_key() -> None:
    root = Path(__file__).resolve().parents[3]
    spelled = re.compile(
        r"""(prefix\}?|PREFIX\}?|\.\.\s*)["']?:(agg|g|dlq|barrier|releases?|keys|audit|ratelimit)\b"""
    )
    sources = [
        *root.joinpath("services").rglob("*.py"),
        *root.joinpath("services").rglob("*.lua"),
        *root.joinpath("devtools").rglob("*.py"),
        *root.joinpath("bench").rglob("*.py"),
    ]
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in sources
        if path.name != "redis_keys.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if spelled.search(line)
    ]
    assert not offenders, f"Redis keys spelled outside platform/redis_keys.py: {offenders}"


@given(st.integers(0, 255), st.text(st.characters(whitelist_categories=["L", "N"]), min_size=1))
def test_keys_a_script_touches_together_share_one_cluster_slot(shard: int, prefix: str) -> None:
    own = RedisKeys(prefix)
    batch = [
        own.shard_generation(shard),
        own.shard_barrier(shard),
        own.offsets("7", shard),
        own.stats("7", shard),
        own.shard_dead_letter_counts(shard),
        own.shard_dead_letter_publishers(shard),
        own.event_states("7", shard, 3),
        own.counts("7", shard, "E09000013", 2, "sex"),
    ]
    assert len({key_slot(k.encode()) for k in batch}) == 1
    switch = [own.barrier, own.active_generation]
    assert len({key_slot(k.encode()) for k in switch}) == 1
    latest = [own.release_latest, own.releases]
    assert len({key_slot(k.encode()) for k in latest}) == 1
