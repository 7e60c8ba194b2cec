"""Disclosure control: suppression policies, the disclosure audit and secondary suppression.

Pure functions over numpy arrays; nothing here touches Kafka, Redis or HTTP.
"""

from services.disclosure.family import (
    TOTAL,
    CellKey,
    Cross,
    Exposure,
    FamilyInput,
    PreviousRelease,
    ProtectedFamily,
)
from services.disclosure.policy import PROTECTED_MAX, Policy
from services.disclosure.protect import protect_family
from services.disclosure.published import SUPPRESSED, SUPPRESSED_FLAG, PublishedArray
from services.disclosure.registry import DEFAULT_POLICY, POLICIES, get_policy

__all__ = [
    "DEFAULT_POLICY",
    "POLICIES",
    "PROTECTED_MAX",
    "SUPPRESSED",
    "SUPPRESSED_FLAG",
    "TOTAL",
    "CellKey",
    "Cross",
    "Exposure",
    "FamilyInput",
    "Policy",
    "PreviousRelease",
    "ProtectedFamily",
    "PublishedArray",
    "get_policy",
    "protect_family",
]
