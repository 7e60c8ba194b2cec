"""Errors of the release rules."""


class ReleaseConflict(Exception):
    """A release is not in a status that allows this (the message says why)."""
