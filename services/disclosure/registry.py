"""The selectable disclosure policies, by name."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from services.disclosure.errors import UnknownPolicyError
from services.disclosure.midpoint6 import Midpoint6Policy
from services.disclosure.nhs_digital import NhsDigitalPolicy
from services.disclosure.policy import Policy

DEFAULT_POLICY = NhsDigitalPolicy.name

POLICIES: Mapping[str, Policy] = MappingProxyType(
    {policy.name: policy for policy in (NhsDigitalPolicy(), Midpoint6Policy())}
)


def get_policy(name: str = DEFAULT_POLICY) -> Policy:
    """The policy with this name (``nhs-digital`` by default)."""
    try:
        return POLICIES[name]
    except KeyError:
        raise UnknownPolicyError(
            f"unknown disclosure policy {name!r}; known: {', '.join(POLICIES)}"
        ) from None
