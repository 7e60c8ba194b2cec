"""Errors raised by the platform adapters."""


class PlatformError(Exception):
    """Base class for platform failures."""


class StackError(PlatformError):
    """A local Kafka or Redis server could not be started or reached."""


class TopicError(PlatformError):
    """A Kafka topic could not be created or does not have the expected shape."""
