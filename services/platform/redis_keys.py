"""Every Redis key the services use, and the hash fields that pack two values into one.

No other module spells a key: services, tools and the Lua scripts (which take their keys as
arguments) all ask this one. Layout under the prefix `P` (`VAXSHARE_REDIS_PREFIX`):

Keys that one Lua script touches together share a hash tag (`{...}`), so every script call
touches one hash slot and the same layout works on one Redis node and on Redis Cluster.

The aggregator's keys are tagged by count shard `{s<K>}`: partition N of the events topic is
counted in shard N mod S, S being the topic's partition count when the generation was created
(its spec). A batch is applied one partition at a time, in its shard's slot, where the shard
keeps its offsets, event states, counts, stats and dead-letter counts. Events are keyed by
person, so an event and its corrections share a partition; when partitions are added (in
multiples of S), a person's later partition still maps to the same shard as the earlier one.

Control (tag `{ctl}`: the rebuild's switch checks the barrier and the active generation):
- `P:agg:{ctl}:generation`      string  active generation id (absent = "1")
- `P:agg:{ctl}:generation_seq`  string  last generation id handed out
- `P:agg:{ctl}:barrier`         hash    partition -> offset the aggregators must stop at
- `P:agg:{s<K>}:generation`     string  shard K's copy of the active generation (absent: no
                                        switch yet), checked by its batches
- `P:agg:{s<K>}:barrier`        hash    shard K's copy of the barrier, checked by its batches
- `P:shards`                    set     every shard an aggregator ever counted into

Exact counts, one generation `G` at a time (written by the aggregators, read by releases),
kept per shard and summed by every reader:
- `P:g<G>:meta`                         hash  field `spec`: the generation's spec JSON
- `P:g<G>:{s<K>}:c:<ltla>:<dose>:<bd>`  hash  "<YYYY-MM-DD>|<group>" -> exact count (no zeros)
- `P:g<G>:{s<K>}:e:<bucket>`            hash  event id -> packed event state
- `P:g<G>:{s<K>}:offsets`               hash  partition -> next offset to consume
- `P:g<G>:{s<K>}:stats`                 hash  counter -> value, changed with the counts

Dead letters: `P:dlq:counts`, hash "<stage>|<reason>" -> dead letters, and
`P:dlq:publishers`, hash "<stage>|<reason>|<publisher>" -> dead letters (publisher "" when
the record could not be decoded); the aggregator keeps its own per shard,
`P:dlq:{s<K>}:counts` and `P:dlq:{s<K>}:publishers`, summed by the readers.

Releases (written by the release service, read by the council API):
- `P:{releases}`                hash    release id -> metadata JSON
- `P:{releases}:latest`         string  id of the newest published release (same slot as the
                                        index: one script reads both)
- `P:release:seq`               string  last release id handed out
- `P:release:<id>:t`            hash    "<area>|<dose>|<breakdown>" -> published table JSON
- `P:release:<id>:exact`        hash    "<area>|<dose>|<breakdown>" -> exact table (internal)
- `P:release:<id>:lease`        string  present while a live builder is building the release

Access: `P:keys` (hash key id -> hashed key and principal), `P:audit` (stream of data reads),
`P:ratelimit:key:<key id>` (sorted set: the key's requests of the last 60 seconds, by time),
`P:ratelimit:failed-auth:<address|key>:<subject>:<minute>` (failed-login counters).
"""

from __future__ import annotations

from dataclasses import dataclass

_SEP = "|"
CONTROL_TAG = "{ctl}"


def shard_tag(shard: int) -> str:
    """The hash tag of one count shard's keys."""
    return f"{{s{shard}}}"


@dataclass(frozen=True, slots=True)
class RedisKeys:
    """The key names under one prefix."""

    prefix: str

    # --- exact counts -----------------------------------------------------------------

    @property
    def active_generation(self) -> str:
        return f"{self.prefix}:agg:{CONTROL_TAG}:generation"

    @property
    def generation_seq(self) -> str:
        return f"{self.prefix}:agg:{CONTROL_TAG}:generation_seq"

    def shard_generation(self, shard: int) -> str:
        """Shard K's copy of the active generation, in the slot of its batches."""
        return f"{self.prefix}:agg:{shard_tag(shard)}:generation"

    def shard_barrier(self, shard: int) -> str:
        """Shard K's copy of the release barrier, in the slot of its batches."""
        return f"{self.prefix}:agg:{shard_tag(shard)}:barrier"

    @property
    def shards(self) -> str:
        """The set of every shard an aggregator counted into (readers sum over them)."""
        return f"{self.prefix}:shards"

    def generation(self, generation: str) -> str:
        """The prefix of every key of one generation, `P:g<G>:`."""
        return f"{self.prefix}:g{generation}:"

    def generation_meta(self, generation: str) -> str:
        return self.generation(generation) + "meta"

    def shard_prefix(self, generation: str, shard: int) -> str:
        """The prefix of every key of one shard in one generation, `P:g<G>:{s<K>}:`."""
        return f"{self.generation(generation)}{shard_tag(shard)}:"

    def counts_prefix(self, generation: str, shard: int) -> str:
        """Prefix of a shard's count tables; a table is this + `<ltla>:<dose>:<bd>`."""
        return self.shard_prefix(generation, shard) + "c:"

    def counts(self, generation: str, shard: int, ltla: str, dose: int, breakdown: str) -> str:
        return f"{self.counts_prefix(generation, shard)}{count_table(ltla, dose, breakdown)}"

    def event_states(self, generation: str, shard: int, bucket: int) -> str:
        """One event-state hash of a shard."""
        return f"{self.shard_prefix(generation, shard)}e:{bucket}"

    def offsets(self, generation: str, shard: int) -> str:
        """The next offset to consume of each partition counted in a shard."""
        return self.shard_prefix(generation, shard) + "offsets"

    def stats(self, generation: str, shard: int) -> str:
        return self.shard_prefix(generation, shard) + "stats"

    @property
    def barrier(self) -> str:
        return f"{self.prefix}:agg:{CONTROL_TAG}:barrier"

    # --- dead letters -----------------------------------------------------------------

    @property
    def dead_letter_counts(self) -> str:
        return f"{self.prefix}:dlq:counts"

    @property
    def dead_letter_publishers(self) -> str:
        return f"{self.prefix}:dlq:publishers"

    def shard_dead_letter_counts(self, shard: int) -> str:
        """The aggregator's dead-letter counts of one shard (fields as `P:dlq:counts`)."""
        return f"{self.prefix}:dlq:{shard_tag(shard)}:counts"

    def shard_dead_letter_publishers(self, shard: int) -> str:
        """The aggregator's dead-letter counts by publisher of one shard."""
        return f"{self.prefix}:dlq:{shard_tag(shard)}:publishers"

    # --- releases ---------------------------------------------------------------------

    @property
    def releases(self) -> str:
        return f"{self.prefix}:{{releases}}"

    @property
    def release_seq(self) -> str:
        return f"{self.prefix}:release:seq"

    @property
    def release_latest(self) -> str:
        return f"{self.prefix}:{{releases}}:latest"

    def release_tables(self, release_id: int) -> str:
        return f"{self.prefix}:release:{release_id}:t"

    def release_exact(self, release_id: int) -> str:
        return f"{self.prefix}:release:{release_id}:exact"

    def release_lease(self, release_id: int) -> str:
        return f"{self.prefix}:release:{release_id}:lease"

    # --- access -----------------------------------------------------------------------

    @property
    def api_keys(self) -> str:
        return f"{self.prefix}:keys"

    @property
    def audit(self) -> str:
        return f"{self.prefix}:audit"

    def rate_limit(self, name: str) -> str:
        """Prefix of one limiter's keys; a subject's key is this + `:<subject>` (and more)."""
        return f"{self.prefix}:ratelimit:{name}"


def count_table(ltla: str, dose: int, breakdown: str) -> str:
    """The suffix naming one count table inside a generation."""
    return f"{ltla}:{dose}:{breakdown}"


def parse_count_table(suffix: str) -> tuple[str, int, str]:
    """(ltla, dose, breakdown) of a count table's suffix."""
    ltla, dose, breakdown = suffix.split(":")
    return ltla, int(dose), breakdown


def dead_letter_field(stage: str, reason: str) -> str:
    """The field of `P:dlq:counts` for one stage and reason."""
    return f"{stage}{_SEP}{reason}"


def parse_dead_letter_field(field: str | bytes) -> tuple[str, str]:
    """(stage, reason) of a `P:dlq:counts` field."""
    text = field.decode() if isinstance(field, bytes) else field
    stage, _, reason = text.partition(_SEP)
    return stage, reason


def dead_letter_publisher_field(stage: str, reason: str, publisher: str) -> str:
    """The field of `P:dlq:publishers` for one stage, reason and publisher label."""
    return f"{stage}{_SEP}{reason}{_SEP}{publisher}"


def parse_dead_letter_publisher_field(field: str | bytes) -> tuple[str, str, str]:
    """(stage, reason, publisher) of a `P:dlq:publishers` field (a publisher may hold `|`)."""
    text = field.decode() if isinstance(field, bytes) else field
    stage, reason, publisher = text.split(_SEP, 2)
    return stage, reason, publisher


def table_field(area: str, dose: int, breakdown: str) -> str:
    """The field of one table inside a release's hashes."""
    return f"{area}{_SEP}{dose}{_SEP}{breakdown}"


def parse_table_field(field: str | bytes) -> tuple[str, int, str]:
    """(area, dose, breakdown) of a release table field."""
    text = field.decode() if isinstance(field, bytes) else field
    area, dose, breakdown = text.split(_SEP)
    return area, int(dose), breakdown
