"""Errors of the release service."""


class ReleaseError(Exception):
    """A release operation that cannot be done."""


class UnknownReleaseError(ReleaseError):
    """No release has this id."""


class ReleaseUnavailableError(ReleaseError):
    """Redis or Kafka failed while a release was read or built; try again."""


class DataEndedError(ReleaseError):
    """The counted events end long before the release's last date (pass an earlier as-of)."""
