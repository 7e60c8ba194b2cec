"""Errors of disclosure control."""

from __future__ import annotations


class DisclosureError(Exception):
    """Base class for disclosure-control errors."""


class UnknownPolicyError(DisclosureError):
    """No disclosure policy has this name."""


class FamilyShapeError(DisclosureError):
    """A family's tables do not have the shape or the sums they claim to have."""


class ComponentTooLargeError(DisclosureError):
    """The exact attacker was asked to solve a component larger than it allows."""
