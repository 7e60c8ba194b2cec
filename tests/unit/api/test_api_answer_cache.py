"""The answer cache keeps what it is given, within its byte bound, newest uses last."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.api.answer_cache import AnswerCache, CachedAnswer


def test_a_kept_answer_comes_back_byte_for_byte() -> None:
    cache = AnswerCache(max_bytes=1000)
    cache.put("etag-1", CachedAnswer(b'{"rows":[]}', 0))
    assert cache.get("etag-1") == CachedAnswer(b'{"rows":[]}', 0)
    assert cache.get("etag-2") is None


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = AnswerCache(max_bytes=10)
    cache.put("a", CachedAnswer(b"12345", 1))
    cache.put("b", CachedAnswer(b"12345", 1))
    assert cache.get("a") is not None  # "a" is now the most recently used
    cache.put("c", CachedAnswer(b"12345", 1))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.binary(max_size=40)), max_size=60))
def test_the_cache_never_holds_more_than_its_bound(puts: list[tuple[str, bytes]]) -> None:
    cache = AnswerCache(max_bytes=64)
    for key, body in puts:
        cache.put(key, CachedAnswer(body, len(body)))
        held = [cache.get(k) for k in "abcdef"]
        assert sum(len(h.body) for h in held if h is not None) <= 64
        assert cache.get(key) == CachedAnswer(body, len(body))
