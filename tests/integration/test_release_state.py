"""Disclosure control's state of a release, kept in Redis for the next release's audit."""

from __future__ import annotations

import json
import zlib

from services.platform.redis_keys import RedisKeys
from services.release.exact_store import ExactTableStore


def test_the_next_release_reads_the_state_a_release_left(stack, prefix) -> None:
    store = ExactTableStore(stack.redis_client(), prefix=prefix)
    levels = {("E06000033", 3, "sex", "FEMALE"): 1, ("E06000033", 3, "sex", "MALE"): 6}
    first_shown = {("E06000033", 3, "jcvi_group", "4"): 119}
    shown_until = {("E06000033", 3, "jcvi_group", "4"): 119, ("E06000033", 3, "msoa", "x"): 118}
    store.freeze_state(7, (levels, first_shown, shown_until))
    assert store.read_state(7) == (levels, first_shown, shown_until)
    assert store.read_state(8) == ({}, {}, {})


def test_a_state_stored_before_last_figures_could_be_blank_reads_as_none_blank(
    stack, prefix
) -> None:
    client = stack.redis_client()
    old = {"levels": [["E06000033", 3, "sex", "MALE", 2]], "first_shown": []}
    client.hset(
        RedisKeys(prefix).release_exact(3), "~state", zlib.compress(json.dumps(old).encode())
    )
    store = ExactTableStore(client, prefix=prefix)
    assert store.read_state(3) == ({("E06000033", 3, "sex", "MALE"): 2}, {}, {})
