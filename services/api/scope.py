"""Who may read what: pure rules over a caller's role and areas.

- operator: everything, including releases that are not published.
- council: every area's headline totals (breakdown `none`, to compare with neighbours); full
  breakdowns only for its own areas and the LTLAs inside them (a county sees its districts).
  Published releases only.
- publisher: no read access at all.
"""

from __future__ import annotations

from typing import Protocol

from services.access.roles import READERS, Role
from services.reference.areas import AreaRegistry
from services.releases.model import ReleaseStatus

HEADLINE = "none"


class Caller(Protocol):
    """What scoping needs to know about an authenticated key."""

    @property
    def role(self) -> str: ...
    @property
    def areas(self) -> tuple[str, ...]: ...


class ScopeDenied(Exception):
    """The caller may not read this; the message says why and what they may read."""


def detail_areas(caller: Caller, registry: AreaRegistry) -> frozenset[str]:
    """Area codes whose breakdowns a council caller may read: its own and the LTLAs inside."""
    codes: set[str] = set()
    for code in caller.areas:
        codes.add(code)
        codes.update(registry.ltla_codes_in(code))
    return frozenset(codes)


def may_read(caller: Caller) -> None:
    """Deny callers whose role reads no data (publishers)."""
    if caller.role not in READERS:
        raise ScopeDenied(f"a {caller.role} key has no read access to the council API")


def may_see_detail(caller: Caller, area_code: str, registry: AreaRegistry) -> bool:
    """True when the caller may read breakdowns (not just headlines) of this area."""
    if caller.role == Role.OPERATOR:
        return True
    return caller.role == Role.COUNCIL and area_code in detail_areas(caller, registry)


def check_breakdown(caller: Caller, area_code: str, breakdown: str, registry: AreaRegistry) -> None:
    """Deny a breakdown of an area outside the caller's scope; headlines are always allowed."""
    may_read(caller)
    if breakdown == HEADLINE or may_see_detail(caller, area_code, registry):
        return
    own = ", ".join(sorted(caller.areas))
    raise ScopeDenied(
        f"this key may read breakdowns only for {own} and the areas inside them; "
        f"for {area_code} only headline totals (breakdown=none) are available"
    )


def check_release(caller: Caller, status: str) -> None:
    """Deny releases that are not published to everyone but operators."""
    may_read(caller)
    if caller.role != Role.OPERATOR and status != ReleaseStatus.PUBLISHED:
        raise ScopeDenied(f"this release is {status}; only operators may read unpublished releases")


def check_operator(caller: Caller) -> None:
    """Deny operator-only actions to other roles."""
    if caller.role != Role.OPERATOR:
        raise ScopeDenied(f"this needs an operator key; this key's role is {caller.role}")
