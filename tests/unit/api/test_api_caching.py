"""ETags change exactly when the release or the query changes; a gzip answer has its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from services.api.caching import etag_for, gzip_etag, not_modified

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


def _asking(if_none_match: str | None) -> Request:
    headers = [] if if_none_match is None else [(b"if-none-match", if_none_match.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


def test_a_gzip_answer_is_tagged_apart_and_either_tag_is_not_modified() -> None:
    etag = etag_for("r1", {"dose": "1"})
    assert gzip_etag(etag) == etag[:-1] + '-gzip"' != etag
    headers = {"ETag": etag, "Vary": "Authorization"}
    for held in (etag, gzip_etag(etag), f"W/{gzip_etag(etag)}", f'"other", {etag}'):
        answer = not_modified(_asking(held), headers)
        assert answer is not None and answer.status_code == 304
        assert answer.headers["etag"] == (gzip_etag(etag) if "gzip" in held else etag)
        assert answer.headers["vary"] == "Authorization, Accept-Encoding"
    for held in (None, '"other"', etag[:-1] + '-br"', gzip_etag(gzip_etag(etag))):
        assert not_modified(_asking(held), headers) is None
