"""Every Redis key the services use, and the hash fields that pack two values into one.

No other module spells a key: services, tools and the Lua scripts (which take their keys as
arguments) all ask this one. Layout under the prefix `P` (`VAXSHARE_REDIS_PREFIX`):

Exact counts, one generation `G` at a time (written by the aggregators, read by releases):
- `P:agg:generation`            string  active generation id (absent = "1")
- `P:agg:generation_seq`        string  last generation id handed out
- `P:g<G>:meta`                 hash    field `spec`: the generation's spec JSON
- `P:g<G>:c:<ltla>:<dose>:<bd>` hash    "<YYYY-MM-DD>|<group>" -> exact count (no zeros)
- `P:g<G>:e:<bucket>`           hash    event id -> packed event state
- `P:g<G>:offsets`              hash    partition -> next offset to consume
- `P:g<G>:stats`                hash    counter -> value, changed with the counts
- `P:barrier`                   hash    partition -> offset the aggregators must stop at

Dead letters (every stage): `P:dlq:counts`, hash "<stage>|<reason>" -> dead letters, and
`P:dlq:publishers`, hash "<stage>|<reason>|<publisher>" -> dead letters (publisher "" when
the record could not be decoded).

Releases (written by the release service, read by the council API):
- `P:releases`                  hash    release id -> metadata JSON
- `P:release:seq`               string  last release id handed out
- `P:release:latest`            string  id of the newest published release
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


@dataclass(frozen=True, slots=True)
class RedisKeys:
    """The key names under one prefix."""

    prefix: str

    # --- exact counts -----------------------------------------------------------------

    @property
    def active_generation(self) -> str:
        return f"{self.prefix}:agg:generation"

    @property
    def generation_seq(self) -> str:
        return f"{self.prefix}:agg:generation_seq"

    def generation(self, generation: str) -> str:
        """The prefix of every key of one generation, `P:g<G>:`."""
        return f"{self.prefix}:g{generation}:"

    def generation_meta(self, generation: str) -> str:
        return self.generation(generation) + "meta"

    def counts_prefix(self, generation: str) -> str:
        """Prefix of a generation's count tables; a table is this + `<ltla>:<dose>:<bd>`."""
        return self.generation(generation) + "c:"

    def counts(self, generation: str, ltla: str, dose: int, breakdown: str) -> str:
        return f"{self.counts_prefix(generation)}{count_table(ltla, dose, breakdown)}"

    def event_states_prefix(self, generation: str) -> str:
        """Prefix of a generation's event-state hashes; a hash is this + its bucket."""
        return self.generation(generation) + "e:"

    def offsets(self, generation: str) -> str:
        return self.generation(generation) + "offsets"

    def stats(self, generation: str) -> str:
        return self.generation(generation) + "stats"

    @property
    def barrier(self) -> str:
        return f"{self.prefix}:barrier"

    # --- dead letters -----------------------------------------------------------------

    @property
    def dead_letter_counts(self) -> str:
        return f"{self.prefix}:dlq:counts"

    @property
    def dead_letter_publishers(self) -> str:
        return f"{self.prefix}:dlq:publishers"

    # --- releases ---------------------------------------------------------------------

    @property
    def releases(self) -> str:
        return f"{self.prefix}:releases"

    @property
    def release_seq(self) -> str:
        return f"{self.prefix}:release:seq"

    @property
    def release_latest(self) -> str:
        return f"{self.prefix}:release:latest"

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
