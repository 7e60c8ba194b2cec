"""Errors raised by the platform adapters."""


class PlatformError(Exception):
    """Base class for platform failures."""


class TopicError(PlatformError):
    """A Kafka topic could not be created or does not have the expected shape."""


class KafkaUnavailable(PlatformError):
    """Kafka did not acknowledge in time (down, unreachable or overloaded); retry later."""


class UserError(PlatformError):
    """A Kafka user could not be added, changed or removed as asked."""
