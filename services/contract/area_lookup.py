"""What validation needs to know about geography: a narrow protocol reference data satisfies."""

from __future__ import annotations

from typing import Protocol


class AreaLookup(Protocol):
    """Resolves LTLA and MSOA codes against the April 2021 geography."""

    def resolve_ltla(self, code: str) -> str | None:
        """Current (2021) LTLA code for a current or legacy pre-2021 LTLA code; None if unknown."""
        ...

    def msoa_ltla(self, msoa_code: str) -> str | None:
        """The 2021 LTLA code an MSOA lies in; None if the MSOA is unknown."""
        ...
