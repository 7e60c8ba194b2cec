"""Command line for the simulator: write a feed file and, optionally, its expected counts."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO, TextIO

from devtools.simulator.output import write_avro, write_csv, write_jsonl
from devtools.simulator.simulator import (
    DEFAULT_INVALID_RATES,
    NW_LONDON,
    SimulationConfig,
    Simulator,
    TraitRates,
)
from services.contract.reasons import Reason
from services.reference.errors import UnknownAreaError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``simulate``."""
    defaults = TraitRates()
    parser = argparse.ArgumentParser(
        prog="vaxshare simulate",
        description="Write a simulated, deterministic feed of vaccination events.",
    )
    parser.add_argument(
        "--areas",
        default=",".join(NW_LONDON),
        help="comma-separated LTLA codes (default: the eight North West London boroughs)",
    )
    parser.add_argument("--scale", type=float, default=0.01, help="fraction of the population")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default="2020-12-08")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, default="2021-06-30")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--format", choices=("jsonl", "csv", "avro"), default="jsonl")
    parser.add_argument("--output", type=Path, required=True, help="file to write ('-': stdout)")
    parser.add_argument("--expected", type=Path, help="also write the exact expected counts CSV")
    parser.add_argument(
        "--person-keys",
        action="store_true",
        help="publish pseudonymised person keys instead of NHS numbers (always so for avro)",
    )
    parser.add_argument("--duplicate-rate", type=float, default=defaults.duplicate)
    parser.add_argument("--correction-rate", type=float, default=defaults.correction)
    parser.add_argument("--retraction-rate", type=float, default=defaults.retraction)
    parser.add_argument("--late-rate", type=float, default=defaults.late)
    parser.add_argument(
        "--invalid-rate",
        type=float,
        default=next(iter(DEFAULT_INVALID_RATES.values())),
        help="rate of invalid records for each reason",
    )
    parser.add_argument(
        "--invalid-reasons",
        default=",".join(DEFAULT_INVALID_RATES),
        help="comma-separated reason codes to simulate (empty: none)",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    """The simulation the parsed arguments ask for."""
    reasons = [Reason(code.strip()) for code in args.invalid_reasons.split(",") if code.strip()]
    rates = TraitRates(
        duplicate=args.duplicate_rate,
        correction=args.correction_rate,
        retraction=args.retraction_rate,
        late=args.late_rate,
        invalid=dict.fromkeys(reasons, args.invalid_rate),
    )
    return SimulationConfig(
        areas=tuple(code.strip() for code in args.areas.split(",") if code.strip()),
        scale=args.scale,
        start=args.start,
        end=args.end,
        seed=args.seed,
        rates=rates,
        with_nhs_numbers=not (args.person_keys or args.format == "avro"),
    )


def simulate_main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator from the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except (UnknownAreaError, ValueError) as exc:
        parser.error(str(exc.args[0]) if exc.args else str(exc))
    started = time.perf_counter()
    simulator = Simulator(config)
    feed = simulator.feed()
    generated = time.perf_counter()
    nhs = config.with_nhs_numbers
    if args.format == "csv":
        with _text_output(args.output) as text:
            written = write_csv(feed, text, with_nhs_numbers=nhs)
    else:
        with _binary_output(args.output) as binary:
            if args.format == "avro":
                written = write_avro(feed, binary)
            else:
                written = write_jsonl(feed, binary, with_nhs_numbers=nhs)
    finished = time.perf_counter()
    if args.expected:
        with args.expected.open("w", encoding="utf-8", newline="") as out:
            simulator.expected_counts().write_csv(out)
    print(
        f"simulated {len(feed):,} records in {generated - started:.1f}s, "
        f"wrote {written:,} as {args.format} in {finished - generated:.1f}s "
        f"({written / max(finished - generated, 1e-9):,.0f} records/s)",
        file=sys.stderr,
    )
    return 0


def _binary_output(path: Path) -> BinaryIO:
    return open(sys.stdout.fileno(), "wb", closefd=False) if str(path) == "-" else path.open("wb")


def _text_output(path: Path) -> TextIO:
    if str(path) == "-":
        return open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False, newline="")
    return path.open("w", encoding="utf-8", newline="")


if __name__ == "__main__":
    sys.exit(simulate_main())
