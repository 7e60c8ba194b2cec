"""Integer interval bounds: the attacker's knowledge of a count is ``[lo, hi]``."""

UNBOUNDED = 1 << 40
"""Stands for +infinity in integer interval arrays (larger than any real count)."""
