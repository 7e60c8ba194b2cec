"""CSV files open safely in spreadsheets and read back to the same values."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from services.api.csv_export import csv_lines, neutralise

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@given(st.text())
def test_no_text_cell_starts_like_a_formula(text: str) -> None:
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe.removeprefix("'") == text or safe == text


@given(
    st.lists(
        st.tuples(st.text(max_size=20), st.one_of(st.none(), st.integers(0, 10**6)), st.booleans()),
        max_size=50,
    ),
    st.integers(1, 7),
)
def test_rows_read_back_with_blank_suppressed_cells(
    records: list[tuple[str, int | None, bool]], chunk: int
) -> None:
    text = "".join(csv_lines(("group", "count", "suppressed"), records, chunk_rows=chunk))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["group", "count", "suppressed"]
    assert len(rows) == len(records) + 1
    for (group, count, flag), row in zip(records, rows[1:], strict=True):
        assert row[0] == neutralise(group)
        assert row[1] == ("" if count is None else str(count))
        assert row[2] == ("true" if flag else "false")
