"""The entry point the release builder calls once per family: publish, audit, repair.

Two audits are available. ``audit="propagation"`` (the default, ``fast_protect``) plays the
attacker by interval propagation over every linear link and is fast enough for a national
release; small families are also checked by an exact integer attacker. ``audit="certified"``
(below) proves each protected cell safe with explicit alternative truths instead: sound
against any attacker, but slow and over-suppressing on realistic data.

``protect_family`` applies the policy to every daily and cumulative cell, audits the result
against the attacker (this release plus previous ones), and adds secondary suppression
round by round until the audit passes or ``max_rounds`` is reached. A family whose audit
did not pass must not be published (``audit_passed`` is False and ``failing`` lists why).
"""

from __future__ import annotations

import numpy as np

from services.disclosure.audit import AuditReport, audit_family, previous_slack
from services.disclosure.errors import DisclosureError
from services.disclosure.family import CellKey, FamilyInput, Key, ProtectedFamily
from services.disclosure.fast_protect import protect_by_propagation
from services.disclosure.layout import build_layout
from services.disclosure.policy import Policy
from services.disclosure.published import PublishedArray
from services.disclosure.secondary import SuppressionPlan, add_secondary


def protect_family(
    family: FamilyInput,
    policy: Policy,
    *,
    protection_width: int = 5,
    max_rounds: int | None = None,
    exact_searches: int = 200,
    audit: str = "propagation",
) -> ProtectedFamily:
    """Published daily and cumulative tables of one family, audited and repaired.

    ``max_rounds`` bounds the rounds of secondary suppression (default 16 for propagation,
    8 for the certified audit). ``exact_searches`` (certified audit only) bounds the integer
    programs solved per round for cells the pattern screen cannot certify.
    """
    if audit == "propagation":
        rounds = 16 if max_rounds is None else max_rounds
        return protect_by_propagation(
            family, policy, protection_width=protection_width, max_rounds=rounds
        )
    if audit != "certified":
        raise DisclosureError(f"unknown audit {audit!r}: use 'propagation' or 'certified'")
    max_rounds = 8 if max_rounds is None else max_rounds
    layout = build_layout(family)
    exact_cum = {key: np.cumsum(t, axis=1) for key, t in family.exact_new.items()}
    primary_new = {key: policy.publish(family.exact_new[key]) for key in family.tables()}
    primary_cum = {key: policy.publish(exact_cum[key]) for key in family.tables()}
    masks = {
        "new": {k: p.suppressed.copy() for k, p in primary_new.items()},
        "cumulative": {k: p.suppressed.copy() for k, p in primary_cum.items()},
    }
    previous = previous_slack(family, protection_width)
    plan = SuppressionPlan(family, layout, masks)
    rounds = 0
    certified: dict[tuple, tuple[int, int]] = {}
    while True:
        new = {k: p.with_suppressed(masks["new"][k]) for k, p in primary_new.items()}
        cum = {k: p.with_suppressed(masks["cumulative"][k]) for k, p in primary_cum.items()}
        report = audit_family(
            family,
            layout,
            policy,
            new,
            cum,
            previous,
            protection_width=protection_width,
            exact_searches=exact_searches,
            certified=certified,
        )
        if report.passed or rounds >= max_rounds:
            break
        rounds += 1
        if not add_secondary(plan, report, rounds) and rounds >= 2:
            break  # nothing left to suppress around the exposed cells
    return _result(family, plan, report, new, cum, primary_new, primary_cum, rounds)


def _result(
    family: FamilyInput,
    plan: SuppressionPlan,
    report: AuditReport,
    new: dict[Key, PublishedArray],
    cum: dict[Key, PublishedArray],
    primary_new: dict[Key, PublishedArray],
    primary_cum: dict[Key, PublishedArray],
    rounds: int,
) -> ProtectedFamily:
    primary = sum(int(p.suppressed.sum()) for p in (*primary_new.values(), *primary_cum.values()))
    cells = tuple(
        CellKey(area, b, family.groups(area, b)[g], family.dates[d], series)
        for (area, b), (series, g, d) in plan.added
    )
    return ProtectedFamily(
        new=new,
        cumulative=cum,
        primary_suppressed=primary,
        secondary_suppressed=len(cells),
        secondary_cells=cells,
        protected_cells=report.protected_cells,
        audit_passed=report.passed,
        tightest=report.tightest,
        failing_cells=report.failing_cells,
        failing=report.exposures(family),
        rounds=rounds,
    )
