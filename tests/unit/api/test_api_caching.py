"""ETags change exactly when the release or the query changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.api.caching import etag_for

queries = st.dictionaries(
    st.sampled_from(["area", "dose", "breakdown", "from"]), st.text(max_size=8)
)


@given(st.text(min_size=1, max_size=10), queries)
def test_same_release_and_query_give_the_same_etag(release: str, query: dict[str, str]) -> None:
    reordered = dict(reversed(list(query.items())))
    assert etag_for(release, query) == etag_for(release, reordered)


@given(st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10), queries)
def test_a_new_release_changes_the_etag(a: str, b: str, query: dict[str, str]) -> None:
    if a != b:
        assert etag_for(a, query) != etag_for(b, query)


def test_a_different_query_changes_the_etag() -> None:
    assert etag_for("r1", {"dose": "1"}) != etag_for("r1", {"dose": "2"})
    assert etag_for("r1", {"dose": "1"}).startswith('"')
