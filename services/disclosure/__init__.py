"""Disclosure control: the policies, and the protection of a release's linked tables.

Pure functions over numpy arrays; nothing here touches Kafka, Redis or HTTP. ``policies``
say how one count is shown; ``linked`` protects a whole release (see its ``national``).
"""

from services.disclosure.policy import PROTECTED_MAX, Policy
from services.disclosure.registry import DEFAULT_POLICY, POLICIES, get_policy

__all__ = ["DEFAULT_POLICY", "POLICIES", "PROTECTED_MAX", "Policy", "get_policy"]
