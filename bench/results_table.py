"""The Markdown table of a benchmark record, and rewriting it into `bench/README.md`.

The table sits between two marker comments in the README, so the prose around it stays as
written and `make bench` only replaces the figures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

BEGIN = "<!-- bench-table:begin -->"
END = "<!-- bench-table:end -->"

Figures = Mapping[str, Any]


def _n(value: object, unit: str = "") -> str:
    if isinstance(value, bool) or value is None:
        return "—"
    if isinstance(value, int | float):
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
        return f"{text}{unit}"
    return str(value)


def _met(figures: Figures) -> str:
    met = figures.get("target_met")
    return "yes" if met is True else "**no**" if met is False else "—"


def _aggregate(f: Figures) -> tuple[str, str, str]:
    rate = float(f.get("aggregator_records_per_second") or 0)
    ratio = float(f.get("aggregator_vs_bare_consumer") or 0)
    bare = f.get("bare_consumer_records_per_second")
    return (
        f"{_n(rate)} ev/s, {_n(ratio)} × bare consumer ({_n(bare)} ev/s), "
        f"{_n(f.get('records'))} events",
        "≥ 0.5 × the bare consumer, same run",
        "yes" if ratio >= 0.5 else "**no**",
    )


def _ingest(f: Figures) -> tuple[str, str, str]:
    workers = f.get("workers", 1)
    others = "; ".join(
        f"{n} worker{'s' if n != '1' else ''}: {_n(r.get('ingest_events_per_second'))} ev/s"
        for n, r in (f.get("by_workers") or {}).items()
        if str(n) != str(workers)
    )
    return (
        f"{_n(f.get('ingest_events_per_second'))} ev/s with {workers} worker"
        f"{'s' if workers != 1 else ''} ({others + '; ' if others else ''}its producer alone, "
        f"librdkafka, {_n(f.get('bare_producer_events_per_second'))} ev/s; batch p99 "
        f"{_n(f.get('batch_p99_ms'), ' ms')})",
        "≥ 20,000 ev/s",
        _met(f),
    )


def _freshness(f: Figures) -> tuple[str, str, str]:
    return (
        f"p50 {_n(f.get('freshness_p50_ms'), ' ms')}, p99 {_n(f.get('freshness_p99_ms'), ' ms')}"
        f" at {_n(f.get('achieved_events_per_second'))} ev/s achieved",
        "p99 < 1 s at 2,000 ev/s",
        _met(f),
    )


def _replay(f: Figures) -> tuple[str, str, str]:
    hours = f.get("uk_130m_replay_hours") or {}
    per_n = ", ".join(f"N={k}: {_n(v)} h" for k, v in hours.items())
    return (
        f"{_n(f.get('replay_records_per_second'))} ev/s → 1M events in "
        f"{_n(f.get('seconds_for_1m_events'), ' s')}; UK 130M with 12 partitions: {per_n}",
        "(projection)",
        "—",
    )


def _replay_cluster(f: Figures) -> tuple[str, str, str]:
    layouts = f.get("layouts") or {}
    measured = ", ".join(f"{k}: {_n(v.get('records_per_second'))} ev/s" for k, v in layouts.items())
    projected = ", ".join(
        f"{k}: {_n(v)} h" for k, v in (f.get("uk_130m_replay_hours_projected") or {}).items()
    )
    return (
        f"N aggregators × M masters: {measured} ({_n(f.get('cluster_vs_single'))} × 1x1); "
        f"UK 130M projected {projected}",
        "(projection)",
        "—",
    )


def _one_release(release: Mapping[str, Any]) -> str:
    if "skipped" in release:
        return "not run (time budget)"
    if not release.get("finished"):
        return f"not finished in {_n(release.get('seconds'), ' s')} (stopped)"
    return f"{_n(release.get('seconds'), ' s')} ({release.get('status', '?')})"


def _release(f: Figures) -> tuple[str, str, str]:
    first, second = f.get("release") or {}, f.get("next_day_release") or {}
    return (
        f"{_one_release(first)}; next day {_one_release(second)}; "
        f"{_n(f.get('exact_cells'))} exact cells, {_n(f.get('vaccinations'))} doses",
        "< 60 s",
        _met(f),
    )


def _api(f: Figures) -> tuple[str, str, str]:
    def one(name: str, label: str) -> str:
        return (
            f"{label} {_n(f.get(f'api_{name}_requests_per_second'))} req/s "
            f"({_n(f.get(f'{name}_vs_bare'))} × bare "
            f"{_n(f.get(f'bare_{name}_requests_per_second'))}), p99 "
            f"{_n(f.get(f'api_{name}_p99_ms'), ' ms')} ({_n(f.get(f'{name}_p99_vs_bare'))} × bare)"
        )

    return (
        f"{one('healthz', '/healthz')}; {one('json', 'cached JSON')}; {one('csv', 'CSV')}; "
        f"{f.get('load_tool', 'wrk')}, {_n(f.get('clients'))} connections",
        "/healthz ≥ 0.8 × bare; JSON, CSV ≥ 0.5 × bare, p99 ≤ 4 × bare",
        _met(f),
    )


def _memory(f: Figures) -> tuple[str, str, str]:
    return (
        f"Redis {_n(f.get('redis_mib_per_million_events'), ' MiB')} per million events "
        f"(state {_n(f.get('state_bytes_per_event'), ' B')}/event); aggregator RSS "
        f"{_n(f.get('aggregator_peak_rss_mib'), ' MiB')}; 150M events: state "
        f"{_n(f.get('projected_state_gib_for_150m_events'), ' GiB')}, all (linear, upper bound) "
        f"{_n(f.get('projected_redis_gib_for_150m_events_linear'), ' GiB')}",
        "(projection)",
        "—",
    )


def _disclosure(f: Figures) -> tuple[str, str, str]:
    if "disclosure_seconds" not in f:
        return "see JSON", "(part of the release)", "—"
    return (
        f"{_n(f.get('disclosure_seconds'), ' s')} on {f.get('workers')} processes; audit "
        f"{'passed' if f.get('audit_passed') else 'FAILED'}; {f.get('large_blank_latest')} groups "
        f"of 100+ blank on the last date (largest blank {f.get('largest_blank_latest')}); worst "
        f"breakdown {_n(100 * float(f.get('worst_blank_share_all_dates') or 0), '%')} of "
        f"person-dates blank, "
        f"{_n(100 * float(f.get('worst_protective_blank_share_all_dates') or 0), '%')} in "
        f"blanks of 8+; headline blank at 8+ on {f.get('headline_blank_dates')} area-dates; "
        f"{f.get('coarsened_groups')} groups coarsened, {f.get('withheld_groups')} withheld",
        "no 100+ blank; headline never blank at 8+; ≤ 1% in blanks of 8+",
        "yes"
        if f.get("audit_passed")
        and f.get("large_blank_latest") == 0
        and f.get("headline_blank_dates") == 0
        and float(f.get("worst_protective_blank_share_all_dates") or 1) <= 0.01
        else "**no**",
    )


def _simulate(f: Figures) -> tuple[str, str, str]:
    rates = ", ".join(
        f"{label} {_n(f.get(f'{fmt}_records_per_second'))} rec/s"
        for fmt, label in (("jsonl", "JSON Lines"), ("csv", "CSV"), ("avro", "Avro"))
        if f"{fmt}_records_per_second" in f
    )
    return (
        f"{rates} (whole command, {_n(f.get('jsonl_records'))} records)",
        "≥ 100,000 rec/s",
        _met(f),
    )


ROWS: tuple[tuple[str, str, Callable[[Figures], tuple[str, str, str]]], ...] = (
    ("1. Aggregator throughput", "bench_aggregate", _aggregate),
    ("2. Ingest throughput (HTTP, 1,000/batch)", "bench_ingest", _ingest),
    ("3. Freshness (HTTP accept → counted)", "bench_freshness", _freshness),
    ("4. Replay (full rebuild)", "bench_replay", _replay),
    ("4b. Replay on Redis Cluster", "bench_replay_cluster", _replay_cluster),
    ("5. National release build", "bench_release", _release),
    ("6. API against bare FastAPI", "bench_api", _api),
    ("7. Memory", "bench_replay", _memory),
    ("Disclosure control alone (national)", "bench_disclosure", _disclosure),
    ("Simulator writing a feed file", "bench_simulate", _simulate),
)


def table(record: Mapping[str, Any]) -> str:
    """The Markdown table of one `make bench` record (rows for the benchmarks it holds)."""
    machine = record.get("machine", {})
    lines = [
        f"Measured {record.get('date', '?')} on {machine.get('cores', '?')} cores "
        f"({machine.get('cpu', '?')}), {machine.get('memory_gib', '?')} GiB, "
        f"Python {machine.get('python', '?')}.",
        "",
        "| Measure | Result | Target | Met |",
        "|---|---|---|---|",
    ]
    results = record.get("results", {})
    for title, bench, row in ROWS:
        if bench in results:
            result, target, met = row(results[bench])
            lines.append(f"| {title} | {result} | {target} | {met} |")
    return "\n".join(lines)


def rewrite_readme(readme: Path, record: Mapping[str, Any]) -> None:
    """Replace the table between the markers of `readme` (append a section if none)."""
    block = f"{BEGIN}\n{table(record)}\n{END}"
    text = readme.read_text() if readme.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + f"\n\n## Latest results\n\n{block}\n"
    readme.write_text(text)
