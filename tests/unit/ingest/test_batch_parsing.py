"""Bodies become one item per event; only bodies that cannot be read at all are refused."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contract.codec import encode
from services.contract.container import write_container
from services.contract.errors import CodecError
from services.contract.events import VaccinationEvent
from services.contract.json_codec import RepeatedNames, json_object
from services.contract.reasons import Reason
from services.ingest.batch_parsing import RawText, parse_batch
from services.ingest.errors import BodyRejected
from tests.unit.contract.contract_examples import sample_event

objects = st.lists(
    st.dictionaries(st.sampled_from(["event_id", "dose_number", "x"]), st.integers() | st.text()),
    min_size=1,
    max_size=30,
)


@given(objects)
def test_json_arrays_and_json_lines_give_the_same_items_in_order(
    events: list[dict[str, object]],
) -> None:
    array = parse_batch(json.dumps(events).encode(), "application/json", max_events=100)
    lines = "\n".join(json.dumps(e) for e in events).encode()
    jsonl = parse_batch(lines, "application/x-ndjson; charset=utf-8", max_events=100)
    assert [i.content for i in array] == [i.content for i in jsonl] == events


def test_a_torn_json_line_is_one_refused_item_and_the_others_go_on() -> None:
    body = b'{"event_id": "a"}\n{"event_id": \n\n{"event_id": "c"}\n'
    items = parse_batch(body, "application/x-ndjson", max_events=10)
    assert [i.content for i in items] == [{"event_id": "a"}, None, {"event_id": "c"}]
    assert isinstance(items[1].error, CodecError) and items[1].error.reason is Reason.UNDECODABLE
    assert items[1].source == RawText('{"event_id": ')
    assert "line 2" in items[1].error.message


def test_an_avro_container_gives_its_events() -> None:
    events = [sample_event(event_id=f"e{i}") for i in range(3)]
    out = io.BytesIO()
    write_container(events, out)
    items = parse_batch(out.getvalue(), "avro/binary", max_events=10)
    assert [i.content for i in items] == events
    assert all(isinstance(i.content, VaccinationEvent) for i in items)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"[1, 2", "application/json", 400, "malformed_body"),
        (b"\xff\xfe", "application/json", 400, "malformed_body"),
        (b'"just a string"', "application/json", 400, "malformed_body"),
        (b"[" * 100_000, "application/json", 400, "malformed_body"),
        (b"[]", "application/json", 400, "empty_batch"),
        (b"  \n \n", "application/x-ndjson", 400, "empty_batch"),
        (b"a,b\n1,2\n", "text/csv", 415, "unsupported_media_type"),
        (b"[{}]", None, 415, "unsupported_media_type"),
        (b"Obj\x01garbage", "avro/binary", 400, "malformed_body"),
        (b"[{}, {}, {}, {}]", "application/json", 413, "too_many_events"),
        (b"{}\n{}\n{}\n{}\n{}\n", "application/x-ndjson", 413, "too_many_events"),
    ],
)
def test_bodies_that_cannot_be_read_are_refused_whole(
    body: bytes, content_type: str | None, status: int, code: str
) -> None:
    with pytest.raises(BodyRejected) as refused:
        parse_batch(body, content_type, max_events=3)
    assert (refused.value.status, refused.value.code) == (status, code)


def test_single_object_avro_bytes_are_not_a_container_file() -> None:
    with pytest.raises(BodyRejected):
        parse_batch(encode(sample_event()), "avro/binary", max_events=3)


def test_an_empty_avro_container_is_an_empty_batch() -> None:
    out = io.BytesIO()
    write_container([], out)
    with pytest.raises(BodyRejected) as refused:
        parse_batch(out.getvalue(), "application/avro", max_events=3)
    assert refused.value.code == "empty_batch"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinities_are_not_json(constant: str) -> None:
    with pytest.raises(BodyRejected) as caught:
        parse_batch(f'[{{"age_years": {constant}}}]'.encode(), "application/json", max_events=9)
    assert caught.value.code == "malformed_body" and "NaN or Infinity" in caught.value.message
    lines = parse_batch(
        f'{{"age_years": {constant}}}\n{{"age_years": 1}}'.encode(),
        "application/x-ndjson",
        max_events=9,
    )
    assert lines[0].error is not None and lines[0].error.reason is Reason.UNDECODABLE
    assert lines[1].content == {"age_years": 1}


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)


def _line_of(pairs: list[tuple[str, object]], spaced: bool, ascii_only: bool) -> bytes:
    """A JSON object's text with names in the given order, repeated names kept."""
    comma, colon = (", ", ": ") if spaced else (",", ":")
    dump = lambda v: json.dumps(v, ensure_ascii=ascii_only)  # noqa: E731
    return ("{" + comma.join(f"{dump(k)}{colon}{dump(v)}" for k, v in pairs) + "}").encode()


@given(
    pairs=st.lists(st.tuples(st.sampled_from(["event_id", "age_years", "x", "é"]), _scalars)),
    spaced=st.booleans(),
    ascii_only=st.booleans(),
)
def test_json_lines_read_as_the_standard_library_reads_them(
    pairs: list[tuple[str, object]], spaced: bool, ascii_only: bool
) -> None:
    # Compact lines take a faster reader; whatever the line, the item must be the one the
    # standard library gives: the same values, integers as integers, repeated names noticed.
    line = _line_of(pairs, spaced, ascii_only)
    (item,) = parse_batch(line, "application/x-ndjson", max_events=9)
    expected = json.loads(line, object_pairs_hook=json_object)
    assert item.error is None
    assert item.content == expected
    assert type(item.content) is type(expected)
    assert [type(v) for v in item.content.values()] == [type(v) for v in expected.values()]
    assert getattr(item.content, "repeated", None) == getattr(expected, "repeated", None)


def test_a_repeated_name_in_a_compact_line_is_noticed() -> None:
    (item,) = parse_batch(b'{"dose_number":1,"dose_number":2}', "application/jsonl", max_events=9)
    assert isinstance(item.content, RepeatedNames) and item.content.repeated == ("dose_number",)
