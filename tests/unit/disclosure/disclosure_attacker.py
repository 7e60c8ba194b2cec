"""An independent attacker for the audit tests: exhaustive search over small linked tables.

It knows only the published figures and the rules: one area, a total, two breakdowns of two
groups each, daily and cumulative series, and previous releases (a cell whose exact value did
not change since an earlier release also carries that release's interval). It enumerates every
integer assignment consistent with all of it, within ``slack`` of the truth per daily cell
(searching less can only make the attacker look stronger), and returns the feasible values of
every cell.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

BIG = 10**9


def public_interval(policy_name: str, value: int | None) -> tuple[int, int]:
    """What a published value means, written from the policy descriptions (not the code)."""
    if value is None:
        return 1, BIG
    if value == 0:
        return 0, 0
    if policy_name == "nhs-digital":
        return value - 2, value + 2
    return value - 2, value + 3


Tables = Mapping[str, np.ndarray]
"""``"total"`` [1 × D], ``"a"`` [2 × D], ``"b"`` [2 × D]."""


def _intervals(
    policy: str,
    exact: Tables,
    published_new: Mapping[str, list],
    published_cum: Mapping[str, list],
    previous: Sequence[tuple[Tables, Mapping[str, list], Mapping[str, list]]],
) -> dict[tuple[str, str], np.ndarray]:
    """Per (series, table): array [groups × dates × 2] of lo/hi after all releases."""
    out = {}
    for series, published in (("new", published_new), ("cum", published_cum)):
        for name, rows in published.items():
            iv = np.array([[public_interval(policy, v) for v in row] for row in rows])
            truth = exact[name] if series == "new" else np.cumsum(exact[name], axis=1)
            for old_exact, old_new, old_cum in previous:
                old_rows = (old_new if series == "new" else old_cum)[name]
                old_truth = old_exact[name] if series == "new" else np.cumsum(old_exact[name], 1)
                for g, row in enumerate(old_rows):
                    for d, v in enumerate(row):
                        if old_truth[g, d] == truth[g, d]:
                            lo, hi = public_interval(policy, v)
                            iv[g, d, 0] = max(iv[g, d, 0], lo)
                            iv[g, d, 1] = min(iv[g, d, 1], hi)
            out[(series, name)] = iv
    return out


def feasible_values(
    policy: str,
    exact: Tables,
    published_new: Mapping[str, list],
    published_cum: Mapping[str, list],
    previous: Sequence[tuple[Tables, Mapping[str, list], Mapping[str, list]]] = (),
    slack: int = 5,
) -> dict[tuple[str, str, int, int], set[int]]:
    """Feasible values of every cell: key ``(series, table, group, date)``."""
    iv = _intervals(policy, exact, published_new, published_cum, previous)
    n_dates = exact["total"].shape[1]
    cells = [("total", 0), ("a", 0), ("a", 1), ("b", 0), ("b", 1)]

    def domain(name: str, g: int, d: int) -> range:
        lo, hi = iv[("new", name)][g, d]
        v = int(exact[name][g, d])
        return range(max(0, lo, v - slack), min(hi, v + slack) + 1)

    candidates = []
    for d in range(n_dates):
        rows = []
        for total, a0, b0 in itertools.product(
            domain("total", 0, d), domain("a", 0, d), domain("b", 0, d)
        ):
            a1, b1 = total - a0, total - b0
            if a1 in domain("a", 1, d) and b1 in domain("b", 1, d):
                rows.append((total, a0, a1, b0, b1))
        candidates.append(np.array(rows, dtype=np.int64).reshape(-1, 5))
    cum_lo = np.stack([iv[("cum", n)][g, :, 0] for n, g in cells], axis=1)  # [D × 5]
    cum_hi = np.stack([iv[("cum", n)][g, :, 1] for n, g in cells], axis=1)

    def ok(states: np.ndarray, d: int) -> np.ndarray:
        return ((states >= cum_lo[d]) & (states <= cum_hi[d])).all(axis=1)

    def pairs(states: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = np.repeat(np.arange(len(states)), len(candidates[d]))
        t = np.tile(np.arange(len(candidates[d])), len(states))
        return s, t, states[s] + candidates[d][t]

    forward = []
    states = np.zeros((1, 5), dtype=np.int64)
    for d in range(n_dates):
        _, _, nxt = pairs(states, d)
        states = np.unique(nxt[ok(nxt, d)], axis=0)
        forward.append(states)
    alive = [None] * n_dates
    alive[-1] = forward[-1]
    for d in range(n_dates - 2, -1, -1):
        s, _, nxt = pairs(forward[d], d + 1)
        good = _member(nxt, alive[d + 1])
        alive[d] = np.unique(forward[d][s[good]], axis=0)
    result: dict[tuple[str, str, int, int], set[int]] = {}
    for d in range(n_dates):
        before = np.zeros((1, 5), dtype=np.int64) if d == 0 else alive[d - 1]
        _, t, nxt = pairs(before, d)
        used = candidates[d][t[_member(nxt, alive[d])]]
        for i, (name, g) in enumerate(cells):
            result[("new", name, g, d)] = set(used[:, i].tolist())
            result[("cum", name, g, d)] = set(alive[d][:, i].tolist())
    return result


def _member(rows: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which of ``rows`` appear in ``table`` (both int arrays of the same width)."""
    if len(rows) == 0 or len(table) == 0:
        return np.zeros(len(rows), dtype=bool)
    both = np.concatenate([table, rows])
    _, inverse = np.unique(both, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return np.isin(inverse[len(table) :], inverse[: len(table)])
