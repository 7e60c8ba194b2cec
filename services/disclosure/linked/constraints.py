"""A family's links as sparse, vectorisable constraint blocks.

Sums ``target = Σ members`` are packed into blocks in which no row is a member twice and no
target is also a member, so one block is tightened for every row and date at once with two
sparse products and a few gathers. ``at_most`` pairs become two index arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from services.disclosure.linked.model import LinkedFamily


@dataclass(frozen=True, eq=False)
class SumBlock:
    """Constraints ``row[targets[c]] = Σ row[m] for m with owner[m] == c``, per column."""

    targets: np.ndarray
    members: np.ndarray
    owner: np.ndarray
    matrix: csr_array
    """``[constraints × rows]`` 0/1 incidence of the members."""


@dataclass(frozen=True, eq=False)
class Constraints:
    """Every link of a family in the form the attacker tightens."""

    blocks: tuple[SumBlock, ...]
    smaller: np.ndarray
    larger: np.ndarray
    partners: tuple[frozenset[int], ...]
    """Per row: the rows it shares a sum with (the candidates for loosening it)."""
    sums: tuple[tuple[int, tuple[int, ...]], ...] = ()
    """Every sum, as in the family."""
    sums_of: tuple[tuple[int, ...], ...] = ()
    """Per row: the indices in ``sums`` of the sums it takes part in."""


def _block(n_rows: int, sums: Sequence[tuple[int, tuple[int, ...]]]) -> SumBlock:
    targets = np.array([t for t, _ in sums], dtype=np.intp)
    members = np.concatenate([np.array(m, dtype=np.intp) for _, m in sums])
    owner = np.repeat(np.arange(len(sums)), [len(m) for _, m in sums]).astype(np.intp)
    ones = np.ones(len(members), dtype=np.int64)
    matrix = csr_array((ones, (owner, members)), shape=(len(sums), n_rows))
    return SumBlock(targets, members, owner, matrix)


def _pack(sums: Sequence[tuple[int, tuple[int, ...]]]) -> list[list[tuple[int, tuple[int, ...]]]]:
    """First-fit packing of sums into blocks where each row appears at most once."""
    blocks: list[list[tuple[int, tuple[int, ...]]]] = []
    used: list[set[int]] = []
    for target, members in sums:
        rows = {target, *members}
        for block, taken in zip(blocks, used, strict=True):
            if not rows & taken:
                block.append((target, members))
                taken |= rows
                break
        else:
            blocks.append([(target, members)])
            used.append(set(rows))
    return blocks


def constraints_of(family: LinkedFamily) -> Constraints:
    """Pack a family's links."""
    n = family.n_rows
    blocks = tuple(_block(n, block) for block in _pack(family.sums))
    partners: list[set[int]] = [set() for _ in range(n)]
    sums_of: list[list[int]] = [[] for _ in range(n)]
    for i, (target, members) in enumerate(family.sums):
        rows = {target, *members}
        for row in rows:
            partners[row] |= rows - {row}
            sums_of[row].append(i)
    pairs = np.array(family.at_most, dtype=np.intp).reshape(-1, 2)
    return Constraints(
        blocks=blocks,
        smaller=pairs[:, 0],
        larger=pairs[:, 1],
        partners=tuple(frozenset(p) for p in partners),
        sums=tuple(family.sums),
        sums_of=tuple(tuple(x) for x in sums_of),
    )
