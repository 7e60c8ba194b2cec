"""Who may do what in Redis: one ACL user per service, with the keys and commands it needs.

Every user may run ordinary reads, writes, scripts and transactions (never an `@dangerous`
command: no FLUSHALL, KEYS, CONFIG, DEBUG or ACL) and read a cluster's slot map, on its own
keys only (`%R~` read-only, `~` read and write; the layout is `redis_keys`):

- ingest: reads the API keys, counts dead letters; it cannot read the counts;
- aggregate: the exact counts and event state, the barrier (and its per-shard copies),
  dead-letter counts;
- release: reads the counts, raises and lifts the barrier and its per-shard copies,
  writes the releases;
- api: reads the releases, writes release status (an operator's publish or hold), the API
  keys (an operator's create or revoke), the audit log and the rate limits, reads the
  dead-letter counts; it cannot read or write the counts;
- operator: the tooling (keys, audit, dead letters, releases, rebuild): every key under the
  prefix.

The default user is switched off. Passwords are stored as SHA-256 hashes in the ACL file.
"""

from __future__ import annotations

import hashlib
import re

# A Redis Cluster client asks a node for the slot map (CLUSTER SLOTS) when it connects and
# after a slot moved; a single node answers it with an error the client never sends it for.
_COMMANDS = (
    "-@all +@read +@write +@keyspace +@scripting +@transaction +@connection -@dangerous"
    " +cluster|slots +cluster|shards"
)


def _escaped(prefix: str) -> str:
    """The prefix as a glob (`*` matches every prefix, for a test session of many)."""
    return prefix if prefix == "*" else re.sub(r"([*?\[\]\\])", r"\\\1", prefix)


def key_patterns(prefix: str) -> dict[str, str]:
    """Each user's key patterns under one prefix."""
    p = _escaped(prefix)
    return {
        "ingest": f"%R~{p}:keys ~{p}:dlq:*",
        "aggregate": f"~{p}:agg:* ~{p}:shards ~{p}:g* ~{p}:dlq:*",
        "release": (
            f"%R~{p}:agg:* ~{p}:agg:{{ctl}}:barrier ~{p}:agg:{{s*}}:barrier %R~{p}:shards "
            f"%R~{p}:g* %R~{p}:dlq:* ~{p}:{{releases}}* ~{p}:release:*"
        ),
        "api": (
            f"~{p}:keys %R~{p}:release:* ~{p}:{{releases}}* %R~{p}:dlq:* %R~{p}:shards "
            f"~{p}:audit ~{p}:ratelimit:*"
        ),
        "operator": f"~{p}:*",
    }


def acl_file(passwords: dict[str, str], *, prefix: str) -> str:
    """The text of a Redis ACL file for these users (default user off)."""
    lines = ["user default off resetkeys resetchannels -@all"]
    for user, patterns in key_patterns(prefix).items():
        if user not in passwords:
            continue
        digest = hashlib.sha256(passwords[user].encode()).hexdigest()
        lines.append(f"user {user} on #{digest} resetchannels {patterns} {_COMMANDS}")
    return "\n".join(lines) + "\n"
