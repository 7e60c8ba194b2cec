"""Errors of the local development stack."""


class StackError(Exception):
    """A local Kafka or Redis server could not be started or reached."""
