"""Errors raised by the reference data package."""


class ReferenceDataError(Exception):
    """Base class for reference data errors."""


class UnknownAreaError(ReferenceDataError, KeyError):
    """An area code is not a current LTLA, UTLA or region."""


class UnknownBreakdownError(ReferenceDataError, ValueError):
    """A breakdown name is not one of the configured breakdowns."""


class AgeRangeError(ReferenceDataError, ValueError):
    """An age range is malformed or impossible (e.g. ``ages=70-60``)."""


class UptakeQueryError(ReferenceDataError, ValueError):
    """An uptake cannot be given for this breakdown over these ages from this source."""
