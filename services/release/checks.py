"""The verification checks a release must pass before anyone may publish it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from services.contract.dead_letter import Stage
from services.reference.areas import AreaRegistry
from services.reference.breakdown_populations import default_population
from services.reference.breakdowns import BREAKDOWNS
from services.reference.denominators import Denominators, Missing, NoPopulation, load_denominators
from services.release.cut import Snapshot
from services.releases.model import Check


def log_counters(snapshot: Snapshot) -> dict[str, int]:
    """The counters a release records so the next one can measure what happened since."""
    return _counters(snapshot)


def run_checks(
    snapshot: Snapshot,
    areas: AreaRegistry,
    breakdowns: Sequence[str],
    *,
    prior_counters: dict[str, int],
    dead_letter_limit: float,
    audit_failures: Sequence[str],
    denominators: Denominators | None = None,
) -> list[Check]:
    """Every check, in the order an operator reads them."""
    return [
        _consumed_to_cut(snapshot),
        _no_negative_cells(snapshot),
        _breakdowns_reconcile(snapshot, breakdowns),
        _totals_reconcile(snapshot),
        _dead_letter_share(snapshot, prior_counters, dead_letter_limit),
        _populations_present(areas),
        _every_uptake_has_a_denominator(
            snapshot, areas, breakdowns, denominators or load_denominators()
        ),
        Check(
            "disclosure_audit",
            not audit_failures,
            "no protected count can be pinned down"
            if not audit_failures
            else f"{len(audit_failures)} families still exposed: {', '.join(audit_failures[:5])}",
        ),
    ]


def _consumed_to_cut(snapshot: Snapshot) -> Check:
    behind = {
        p: off - snapshot.reached.get(p, 0)
        for p, off in snapshot.cut.items()
        if snapshot.reached.get(p, 0) < off
    }
    if not behind:
        return Check("consumed_to_cut", True, f"all {len(snapshot.cut)} partitions at the cut")
    detail = ", ".join(f"partition {p} {n} records behind" for p, n in sorted(behind.items()))
    return Check("consumed_to_cut", False, f"unconsumed partitions: {detail}")


def _no_negative_cells(snapshot: Snapshot) -> Check:
    negative = sum(1 for t in snapshot.cells.values() for v in t.values() if v < 0)
    return Check(
        "no_negative_cells",
        negative == 0,
        "no cell below zero" if negative == 0 else f"{negative} cells below zero",
    )


def _breakdowns_reconcile(snapshot: Snapshot, breakdowns: Sequence[str]) -> Check:
    """Every breakdown sums to the total for every LTLA, dose and date."""
    totals: dict[tuple[str, int], dict[date, int]] = {}
    for (ltla, dose, b), table in snapshot.cells.items():
        if b == "none":
            totals[(ltla, dose)] = {day: v for (day, _), v in table.items()}
    mismatches = 0
    example = ""
    for (ltla, dose, b), table in snapshot.cells.items():
        if b == "none":
            continue
        sums: dict[date, int] = defaultdict(int)
        for (day, _), v in table.items():
            sums[day] += v
        expected = totals.get((ltla, dose), {})
        for day in set(sums) | set(expected):
            if sums.get(day, 0) != expected.get(day, 0):
                mismatches += 1
                example = example or f"{ltla} dose {dose} {b} on {day}"
    if mismatches:
        return Check("breakdowns_reconcile", False, f"{mismatches} sums differ, e.g. {example}")
    return Check("breakdowns_reconcile", True, f"all {len(breakdowns)} breakdowns sum to totals")


def _totals_reconcile(snapshot: Snapshot) -> Check:
    """Counted events (net of retractions) equal the sum of every total cell."""
    counted = sum(v for (_, _, b), t in snapshot.cells.items() if b == "none" for v in t.values())
    stats = snapshot.stats
    if "net_counted" not in stats:
        return Check("totals_reconcile", False, "the aggregator reported no net count")
    expected = int(stats["net_counted"])
    if counted != expected:
        return Check(
            "totals_reconcile",
            False,
            f"cells hold {counted} vaccinations, the aggregator counted {expected} "
            f"(counted {stats.get('counted', 0)}, retracted {stats.get('retracted', 0)})",
        )
    detail = f"{counted} vaccinations in cells = net counted"
    waiting = int(stats.get("parked", 0)) - int(stats.get("unparked", 0))
    if waiting > 0:
        # A correction or retraction whose original has not been counted (yet): it arrived
        # first, the original was refused, or it went to another count shard (a cluster).
        detail += f"; {waiting} corrections or retractions wait for an original not counted"
    return Check("totals_reconcile", True, detail)


def _dead_letter_share(snapshot: Snapshot, prior: dict[str, int], limit: float) -> Check:
    """Records dead-lettered since the last release, as a share of all records received.

    Records rejected at the ingest never reach the topic, so "received" is what the
    aggregator consumed plus what the ingest turned away.
    """
    now = _counters(snapshot)
    consumed = now["consumed"] - prior.get("consumed", 0)
    dead = now["dead_lettered"] - prior.get("dead_lettered", 0)
    ingest_dead = now["ingest_dead_lettered"] - prior.get("ingest_dead_lettered", 0)
    received = consumed + ingest_dead
    share = dead / received if received > 0 else 0.0
    detail = f"{dead} of {received} records dead-lettered since the last release ({share:.2%})"
    return Check("dead_letter_share", share <= limit, f"{detail}; limit {limit:.0%}")


def _counters(snapshot: Snapshot) -> dict[str, int]:
    dead = snapshot.dead_letters
    ingest = sum(n for (stage, _), n in dead.items() if stage == Stage.INGEST.value)
    return {
        "consumed": int(snapshot.stats.get("consumed", 0)),
        "dead_lettered": sum(snapshot.dead_letters.values()),
        "ingest_dead_lettered": ingest,
    }


def _populations_present(areas: AreaRegistry) -> Check:
    missing = [a.code for a in (*areas.ltlas(), *areas.utlas()) if not a.population]
    if missing:
        return Check("populations_present", False, f"no population for {', '.join(missing[:10])}")
    return Check("populations_present", True, "every LTLA and UTLA has a population")


def _every_uptake_has_a_denominator(
    snapshot: Snapshot, areas: AreaRegistry, breakdowns: Sequence[str], denominators: Denominators
) -> Check:
    """Every group a release publishes has a 16+ population from its breakdown's default
    source, or a documented reason why none exists (ethnicity not stated, sex not known,
    JCVI priority groups …). Missing reference data for a group is a failure.
    """
    observed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (code, _, b), table in snapshot.cells.items():
        observed[(code, b)].update(group for _, group in table)
    with_population = documented = 0
    missing: list[str] = []
    for b in breakdowns:
        for ltla in areas.ltlas():
            groups = {*BREAKDOWNS[b].groups(ltla.code), *observed.get((ltla.code, b), ())}
            for group in sorted(groups):
                found = default_population(denominators, b, group, (ltla.code,))
                if not isinstance(found, NoPopulation):
                    with_population += 1
                elif found.reason is Missing.MISSING_REFERENCE:
                    missing.append(f"{ltla.code} {b} {group!r} ({found.detail})")
                else:
                    documented += 1
    if missing:
        return Check(
            "every_uptake_has_a_denominator",
            False,
            f"{len(missing)} published groups have neither a population nor a documented "
            f"reason, e.g. {'; '.join(missing[:5])}",
        )
    return Check(
        "every_uptake_has_a_denominator",
        True,
        f"{with_population} groups have a 16+ population; {documented} have a documented "
        "reason for none (docs/denominators.md)",
    )
