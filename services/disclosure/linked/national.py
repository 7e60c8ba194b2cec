"""Protect a whole release: the headline family first, then every cluster in its context.

1. The headline family (every area's daily total; regions and England are sums of LTLAs) is
   protected on its own: that fixes how every headline is published.
2. Each cluster (an upper tier with its LTLAs, both grids) is protected with its region's
   and England's headlines as context rows — published as step 1 decided, never loosened
   by the cluster — so its attacker also differences a region against its other areas.
   Clusters are independent given the headlines, so ``mapper`` may run them in parallel.
   A cluster may loosen its own totals further; loosening only widens what anyone can infer,
   so the headline family stays protected.
3. The headline family is checked again with every cluster's final state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from services.disclosure.linked.assemble import Context, LinksOf
from services.disclosure.linked.cluster import ClusterParts, ClusterSpec, build_parts
from services.disclosure.linked.constraints import constraints_of
from services.disclosure.linked.headline import TOTAL, headline_family
from services.disclosure.linked.joint import (
    JointResult,
    Part,
    joint_bounds,
    protect_jointly,
    shared_cells,
)
from services.disclosure.linked.model import LinkedFamily, RowKey
from services.disclosure.linked.previous import carried_priors
from services.disclosure.linked.publication import own_rule, publish
from services.disclosure.linked.repair import RepairState
from services.disclosure.policy import Policy
from services.disclosure.registry import get_policy


@dataclass(frozen=True, eq=False)
class Earlier:
    """The release published before: its clusters' specs, policy and disclosure state."""

    specs: Sequence[ClusterSpec]
    policy: str
    levels: Mapping[RowKey, int]
    first_shown: Mapping[RowKey, int]
    shown_until: Mapping[RowKey, int] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class ClusterJob:
    """One cluster to protect, the state repair starts from, and the release before."""

    spec: ClusterSpec
    policy: str
    protection_width: int
    levels: Mapping[RowKey, int]
    first_shown: Mapping[RowKey, int]
    links_of: LinksOf
    earlier: ClusterSpec | None = None
    earlier_policy: str = ""
    earlier_levels: Mapping[RowKey, int] | None = None
    earlier_first_shown: Mapping[RowKey, int] | None = None
    earlier_shown_until: Mapping[RowKey, int] | None = None


@dataclass(frozen=True, eq=False)
class ClusterOutcome:
    """A protected cluster."""

    spec: ClusterSpec
    parts: ClusterParts
    result: JointResult


def protect_cluster(job: ClusterJob) -> ClusterOutcome:
    """Protect one cluster (a top-level function, so a process pool can run it)."""
    policy = get_policy(job.policy)
    parts = build_parts(job.spec, policy, job.links_of)
    if job.earlier is not None:
        old_policy = get_policy(job.earlier_policy)
        old = build_parts(job.earlier, old_policy, job.links_of)
        bounds = attacked(
            old.parts,
            old_policy,
            job.earlier_levels or {},
            job.earlier_first_shown or {},
            job.earlier_shown_until,
        )
        priors = carried_priors(parts.parts, old.parts, bounds)
        daily, weekly = parts.parts
        parts = replace(
            parts, parts=(replace(daily, prior=priors[0]), replace(weekly, prior=priors[1]))
        )
    result = protect_jointly(
        parts.parts,
        policy,
        protection_width=job.protection_width,
        levels=job.levels,
        first_shown=job.first_shown,
    )
    return ClusterOutcome(job.spec, parts, result)


Mapper = Callable[
    [Callable[[ClusterJob], ClusterOutcome], Sequence[ClusterJob]], Iterable[ClusterOutcome]
]


@dataclass(slots=True)
class Protected:
    """Every cluster's outcome and the headline family's final check."""

    clusters: list[ClusterOutcome]
    headline: JointResult
    headline_family: LinkedFamily

    @property
    def passed(self) -> bool:
        """True when no cluster and not the headline family has a pinned protected cell."""
        return self.headline.passed and all(c.result.passed for c in self.clusters)


def attacked(
    parts: Sequence[Part],
    policy: Policy,
    levels: Mapping[RowKey, int],
    first_shown: Mapping[RowKey, int],
    shown_until: Mapping[RowKey, int] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The attacker's bounds on parts published in a given state (no repair)."""
    state = RepairState.start(parts, levels, first_shown, shown_until)
    publications = [
        publish(p.family, policy, p.rule, *state.arrays(i)) for i, p in enumerate(parts)
    ]
    constraints = [constraints_of(p.family) for p in parts]
    return joint_bounds(parts, constraints, publications, shared_cells(parts))


def protect_all(
    specs: Sequence[ClusterSpec],
    *,
    policy_name: str,
    links_of: LinksOf,
    regions: Mapping[str, tuple[str, ...]],
    england: str,
    protection_width: int = 5,
    earlier: Earlier | None = None,
    mapper: Mapper = map,
) -> Protected:
    """Protect the headlines, then every cluster in context, then check the headlines.

    With an ``earlier`` release, every row starts at least as coarse and as late as it was
    published then, and the attacker also holds that release's bounds on unchanged counts.
    """
    policy = get_policy(policy_name)
    # Coarsening and holding back carry over (a row never becomes more precise or starts
    # earlier); withholding and blanking the latest figures do not: the group is looked at
    # afresh.
    coarsest = len(policy.bases) - 1
    start_levels = {k: v for k, v in earlier.levels.items() if v <= coarsest} if earlier else {}
    start_first = dict(earlier.first_shown) if earlier else {}
    family = _headline(specs, regions, england, start_levels)
    rule = own_rule(family, policy)
    # Every row here is a headline total: never withheld, and coarsened to the policy's
    # second step at most, so a total of 8 or more is shown — held back or coarsened further
    # only in a repair round where nothing else can move.
    head_part = Part(family, rule, expensive=frozenset(range(len(family.keys))))
    if earlier is not None:
        old_family = _headline(earlier.specs, regions, england, {})
        old_part = Part(old_family, own_rule(old_family, get_policy(earlier.policy)))
        old_bounds = attacked(
            [old_part], get_policy(earlier.policy), earlier.levels, earlier.first_shown
        )
        head_part = replace(head_part, prior=carried_priors([head_part], [old_part], old_bounds)[0])
    headline = protect_jointly(
        [head_part],
        policy,
        protection_width=protection_width,
        levels=start_levels,
        first_shown=start_first,
    )
    contexts = _contexts(specs, family, regions, england)
    old_contexts = _contexts(earlier.specs, old_family, regions, england) if earlier else None
    jobs = []
    for i, spec in enumerate(specs):
        own = {*spec.lowers, spec.upper}
        # The cluster starts from how the headline family publishes its own totals too (an
        # upper tier's is not a context row) and may only loosen them further.
        levels = {k: v for k, v in start_levels.items() if k[0] in own}
        levels.update({k: v for k, v in headline.levels.items() if k[0] in own})
        levels.update(_subset(headline.levels, contexts[i]))
        first = {k: v for k, v in start_first.items() if k[0] in own}
        first.update({k: v for k, v in headline.first_shown.items() if k[0] in own})
        first.update(_subset(headline.first_shown, contexts[i]))
        job = ClusterJob(
            replace(spec, context=contexts[i]),
            policy_name,
            protection_width,
            levels,
            first,
            links_of,
        )
        if earlier is not None and old_contexts is not None:
            job = replace(
                job,
                earlier=replace(earlier.specs[i], context=old_contexts[i]),
                earlier_policy=earlier.policy,
                earlier_levels={
                    k: v
                    for k, v in earlier.levels.items()
                    if k[0] in own or k in old_contexts[i].rows
                },
                earlier_first_shown={
                    k: v
                    for k, v in earlier.first_shown.items()
                    if k[0] in own or k in old_contexts[i].rows
                },
                earlier_shown_until={k: v for k, v in earlier.shown_until.items() if k[0] in own},
            )
        jobs.append(job)
    outcomes = list(mapper(protect_cluster, jobs))
    levels, first_shown = dict(headline.levels), dict(headline.first_shown)
    for outcome in outcomes:
        own = {*outcome.spec.lowers, outcome.spec.upper}
        levels.update({k: v for k, v in outcome.result.levels.items() if k[0] in own})
        first_shown.update({k: v for k, v in outcome.result.first_shown.items() if k[0] in own})
    check = protect_jointly(
        [head_part],
        policy,
        protection_width=protection_width,
        levels=levels,
        first_shown=first_shown,
        max_rounds=0,
    )
    return Protected(outcomes, check, family)


def _headline(
    specs: Sequence[ClusterSpec],
    regions: Mapping[str, tuple[str, ...]],
    england: str,
    start_levels: Mapping[RowKey, int],
) -> LinkedFamily:
    doses = specs[0].doses
    ltla_daily = {
        (ltla, dose): spec.tables[(ltla, dose, TOTAL[0])][1][0]
        for spec in specs
        for ltla in spec.lowers
        for dose in doses
    }
    uppers = {spec.upper: spec.lowers for spec in specs if spec.upper is not None}
    family, _ = headline_family(
        n_dates=specs[0].n_dates,
        doses=doses,
        ltla_daily=ltla_daily,
        uppers=uppers,
        regions=regions,
        england=england,
        start_levels=start_levels,
    )
    return family


def _contexts(
    specs: Sequence[ClusterSpec],
    family: LinkedFamily,
    regions: Mapping[str, tuple[str, ...]],
    england: str,
) -> list[Context]:
    """Per cluster: its region's LTLA totals, every region's total and England's."""
    daily = {key: np.diff(family.exact[row], prepend=0) for row, key in enumerate(family.keys)}
    region_of = {ltla: region for region, ltlas in regions.items() for ltla in ltlas}
    doses = specs[0].doses
    out = []
    for spec in specs:
        region = region_of[spec.lowers[0]]
        areas = [*regions[region], *regions, england]
        rows = {
            (area, dose, *TOTAL): daily[(area, dose, *TOTAL)] for area in areas for dose in doses
        }
        sums: list[tuple[RowKey, tuple[RowKey, ...]]] = []
        for dose in doses:
            sums.append(((region, dose, *TOTAL), tuple((a, dose, *TOTAL) for a in regions[region])))
            sums.append(((england, dose, *TOTAL), tuple((r, dose, *TOTAL) for r in regions)))
        out.append(Context(rows, sums))
    return out


def _subset(values: Mapping[RowKey, int], context: Context) -> dict[RowKey, int]:
    return {key: values[key] for key in context.rows if key in values}
