"""What an analyst notices using the API: England, every area in one call, formats, names,
compression, HEAD, misspelt parameters and empty ranges refused with the reason, ETags that
agree, documentation served by the service itself, and a blank that says what was last shown.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from services.reference.areas import load_areas
from tests.conftest import Stack
from tests.unit.api.api_harness import DAYS, Harness, running_harness
from tests.unit.api.release_examples import (
    BRENT,
    ENGLAND,
    HAMMERSMITH,
    LANCASHIRE,
    LONDON,
    example_published,
    write_release,
)

VACCINATIONS = "/v1/areas/{}/vaccinations"


@pytest.fixture
def api(stack: Stack, prefix: str) -> Iterator[Harness]:
    with running_harness(stack, prefix) as harness:
        yield harness


def test_england_is_an_area_whose_headline_every_council_reads(api: Harness) -> None:
    listed = api.get("/v1/areas", "brent", type="country").json()["areas"]
    assert [(a["code"], a["name"], a["access"]) for a in listed] == [
        (ENGLAND, "England", "headline")
    ]
    for who in ("hammersmith", "brent", "lancashire"):
        r = api.get(VACCINATIONS.format(ENGLAND), who, dose="1")
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["area"] == {"code": ENGLAND, "name": "England", "type": "country"}
        last = answer["rows"][-1]
        # Its headline counts every age, over England's 16+ population.
        assert last["uptake_numerator_ages"] == "all" and last["population_ages"] == "16+"
        assert last["population"] > 40_000_000
    # England's and London's published headlines are the sum of their areas' up to rounding.
    england = api.get(VACCINATIONS.format(ENGLAND), "brent", dose="1").json()["rows"][-1]
    parts = [
        api.get(VACCINATIONS.format(code), "brent", dose="1").json()["rows"][-1]["cumulative"]
        for code in (HAMMERSMITH, BRENT, LANCASHIRE)
    ]
    assert abs(england["cumulative"] - sum(parts)) <= 2 * 3
    # Breakdowns of England are nobody's: refused to a council, not published at all.
    refused = api.get(VACCINATIONS.format(ENGLAND), "brent", breakdown="ethnic_group")
    assert refused.status_code == 403
    none = api.get(VACCINATIONS.format(ENGLAND), "operator", breakdown="ethnic_group")
    assert none.json()["error"]["code"] == "breakdown_not_published_for_area_type"
    burnley = api.get("/v1/areas/E07000117", "brent").json()
    assert burnley["parent_codes"][-1] == ENGLAND


def test_one_call_gives_a_metric_of_every_area_of_a_type(api: Harness) -> None:
    r = api.get("/v1/headlines", "brent", area_type="ltla", metric="cumulative", dose="1")
    assert r.status_code == 200, r.text
    answer = r.json()
    rows = answer["rows"]
    published = {row["area_code"] for row in rows}
    # Every LTLA of the release is there, named; the others are listed as not published.
    lancs = set(load_areas().ltla_codes_in(LANCASHIRE))
    assert published == {HAMMERSMITH, BRENT} | lancs
    assert len(answer["not_published"]) == 309 - len(published)
    assert {row["area_name"] for row in rows if row["area_code"] == HAMMERSMITH} == {
        "Hammersmith and Fulham"
    }
    # The same figures as one area at a time, headline only.
    one = api.get(VACCINATIONS.format(HAMMERSMITH), "brent", dose="1").json()["rows"]
    mine = [row for row in rows if row["area_code"] == HAMMERSMITH]
    assert [(r["date"], r["value"]) for r in mine] == [(r["date"], r["cumulative"]) for r in one]
    assert all(r["suppressed"] == (r["value"] is None) for r in rows)
    # Uptake on one date, for regions, as CSV.
    on = one[-1]["date"]
    csv_text = api.get(
        "/v1/headlines",
        "brent",
        area_type="region",
        metric="uptake_percent",
        dose="1",
        date=on,
        format="csv",
    ).text
    regions = list(csv.DictReader(io.StringIO(csv_text)))
    assert [(r["area_code"], r["date"]) for r in regions] == [(LONDON, on)]
    london = api.get(VACCINATIONS.format(LONDON), "brent", dose="1", **{"from": on}).json()
    assert float(regions[0]["value"]) == london["rows"][0]["uptake_percent"]
    # The call is for headlines: it takes no breakdown at all.
    wrong = api.get("/v1/headlines", "brent", area_type="ltla", breakdown="msoa")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "unknown_parameter"


def test_jsonl_and_msoa_names_beside_their_codes(api: Harness) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    query = {"breakdown": "msoa", "dose": "1", "from": "2021-02-01", "to": "2021-02-07"}
    lines = api.get(path, "hammersmith", format="jsonl", **query)
    assert lines.headers["content-type"].startswith("application/jsonl")
    rows = [json.loads(line) for line in lines.text.splitlines()]
    as_json = api.get(path, "hammersmith", **query).json()["rows"]
    assert rows == as_json
    names = load_areas()
    as_csv = list(
        csv.DictReader(io.StringIO(api.get(path, "hammersmith", format="csv", **query).text))
    )
    assert as_csv and all(r["group_name"] == (names.msoa_name(r["group"]) or "") for r in as_csv)
    assert any(r["group_name"] == "Old Oak & Wormwood" for r in as_csv)


def test_answers_are_compressed_when_asked_and_head_gives_the_headers(api: Harness) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    headers = {"Authorization": f"Bearer {api.key['hammersmith']}"}
    params = {"breakdown": "msoa", "dose": "1", "format": "csv"}
    plain = api.client.get(path, params=params, headers={**headers, "Accept-Encoding": "identity"})
    with httpx.stream(
        "GET",
        str(api.client.base_url) + path,
        params=params,
        headers={**headers, "Accept-Encoding": "gzip"},
    ) as squeezed:
        raw = b"".join(squeezed.iter_raw())
        assert squeezed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 4
    squeezed_etag = squeezed.headers["etag"]
    head = api.client.head(path, params=params, headers={**headers, "Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == plain.headers["etag"]
    zipped_head = api.client.head(
        path, params=params, headers={**headers, "Accept-Encoding": "gzip"}
    )
    assert zipped_head.headers["etag"] == squeezed_etag
    assert head.headers["content-disposition"] == plain.headers["content-disposition"]
    assert api.client.head("/healthz").status_code == 200


def test_a_gzip_answer_has_its_own_etag_and_either_is_not_modified(api: Harness) -> None:
    path = VACCINATIONS.format(HAMMERSMITH)
    key = {"Authorization": f"Bearer {api.key['hammersmith']}"}
    params = {"breakdown": "msoa", "dose": "1"}

    def get(encoding: str, held: str | None = None) -> httpx.Response:
        headers = {**key, "Accept-Encoding": encoding}
        if held is not None:
            headers["If-None-Match"] = held
        return api.client.get(path, params=params, headers=headers)

    plain, squeezed = get("identity"), get("gzip")
    assert "content-encoding" not in plain.headers
    assert squeezed.headers["content-encoding"] == "gzip"
    assert squeezed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    for answer in (plain, squeezed):
        assert "accept-encoding" in answer.headers["vary"].lower()
    for encoding, held in (("identity", plain), ("gzip", squeezed)):
        again = get(encoding, held.headers["etag"])
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == held.headers["etag"]
        assert "accept-encoding" in again.headers["vary"].lower()
    # Once a newer release is out, neither form is current.
    write_release(api.store, days=DAYS + 3, seed=5)
    for encoding, held in (("identity", plain), ("gzip", squeezed)):
        assert get(encoding, held.headers["etag"]).status_code == 200


def test_a_misspelt_parameter_is_refused_naming_it(api: Harness) -> None:
    r = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", breakdwon="msoa")
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "unknown_parameter" and "'breakdwon'" in error["message"]
    assert "breakdown" in error["message"]  # what it does take
    assert api.get("/v1/releases", "hammersmith", latest="1").status_code == 400


def test_an_empty_date_range_says_why(api: Harness) -> None:
    release = api.releases["second"]
    r = api.get(VACCINATIONS.format(HAMMERSMITH), "hammersmith", **{"from": "2022-01-01"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "empty_range"
    assert release.last_date in error["message"] and release.first_date in error["message"]
    weekly = api.get(
        VACCINATIONS.format(HAMMERSMITH),
        "hammersmith",
        breakdown="ethnic_group_detailed",
        **{"from": "2020-01-01", "to": "2020-12-31"},
    )
    assert weekly.json()["error"]["code"] == "empty_range"
    headlines = api.get("/v1/headlines", "brent", area_type="ltla", date="2022-01-01")
    assert headlines.json()["error"]["code"] == "empty_range"


def test_a_releases_etag_is_the_same_in_its_body_and_its_header(api: Harness) -> None:
    latest = api.get("/v1/releases/latest", "brent")
    assert latest.json()["etag"] == latest.headers["etag"]
    one = api.get(f"/v1/releases/{latest.json()['id']}", "brent")
    assert one.json()["etag"] == one.headers["etag"] == latest.headers["etag"]
    listed = api.get("/v1/releases", "brent").json()["releases"]
    assert latest.headers["etag"] in {r["etag"] for r in listed}
    headers = {
        "Authorization": f"Bearer {api.key['brent']}",
        "If-None-Match": latest.json()["etag"],
    }
    assert api.client.get("/v1/releases/latest", headers=headers).status_code == 304


@pytest.mark.parametrize(("service_docs", "openapi"), [("/v1/docs", "/v1/openapi.json")])
def test_the_docs_load_nothing_from_outside_and_say_how_values_are_rounded(
    api: Harness, service_docs: str, openapi: str
) -> None:
    for page in (service_docs, "/v1/redoc"):
        html = api.client.get(page).text
        assert not re.search(r"(src|href)=\"https?:", html), html
        for asset in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", html):
            assert api.client.get(asset).status_code == 200, asset
    description = api.client.get(openapi).json()["info"]["description"]
    assert "nearest 5" in description and "1 to 7" in description
    assert "protect another published figure" in description


def test_a_blank_summary_figure_shows_the_last_one_published(api: Harness) -> None:
    tables = list(example_published(DAYS))
    i, table = next(
        (i, t)
        for i, t in enumerate(tables)
        if (t.area, t.dose, t.breakdown) == (HAMMERSMITH, 1, "sex")
    )
    blanked = tuple((*row[:-1], None) if g == 0 else row for g, row in enumerate(table.cumulative))
    tables[i] = replace(table, cumulative=blanked)
    meta = write_release(api.store, days=DAYS, tables=tables)
    answer = api.get(
        f"/v1/areas/{HAMMERSMITH}/summary",
        "hammersmith",
        breakdown="sex",
        dose="1",
        ages="all",
        release=str(meta.id),
    ).json()
    group = next(g for g in answer["groups"] if g["group"] == table.groups[0])
    assert group["cumulative"] is None and group["withheld_reason"] == "suppressed"
    assert group["last_published_date"] == table.dates[-2].isoformat()
    assert group["last_published_cumulative"] == table.cumulative[0][-2]
    assert group["last_published_uptake_percent"] is not None
    assert "fewer than 8" not in group["withheld_detail"].split(";")[0]
    assert "protect other published figures" in group["withheld_detail"]


ANALYSTS_DOC = Path(__file__).parents[2] / "docs" / "analysts.md"


def documented_snippet(language: str, marker: str) -> str:
    """The first code block in docs/analysts.md of that language that contains `marker`."""
    blocks = re.findall(rf"```{language}\n(.*?)```", ANALYSTS_DOC.read_text(), re.DOTALL)
    return next(b for b in blocks if marker in b)


def downloaded_csv(api: Harness, tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    """A neighbourhood CSV as a council downloads it, saved under the name the API gives it."""
    answer = api.get(
        VACCINATIONS.format(HAMMERSMITH), "hammersmith", breakdown="msoa", dose="1", format="csv"
    )
    assert answer.status_code == 200, answer.text
    name = re.search(r'filename="([^"]+)"', answer.headers["content-disposition"])
    assert name
    path = tmp_path / name.group(1)
    path.write_bytes(answer.content)
    return path, list(csv.DictReader(io.StringIO(answer.text)))


def test_the_documented_pandas_reading_keeps_blanks_as_missing_integers_and_dates_as_dates(
    api: Harness, tmp_path: Path
) -> None:
    pd = pytest.importorskip("pandas")
    path, raw = downloaded_csv(api, tmp_path)
    snippet = documented_snippet("python", "pd.read_csv")
    snippet = re.sub(r'"vaxshare_[^"]+\.csv"', json.dumps(str(path)), snippet)
    namespace: dict[str, object] = {}
    exec(snippet, namespace)
    rows = namespace["rows"]
    assert isinstance(rows, pd.DataFrame) and len(rows) == len(raw)
    for column in ("new", "cumulative", "population", "rounded_to", "max_error", "dose"):
        assert rows[column].dtype == "Int64", (column, rows[column].dtype)
    for column in ("date", "new_period_start"):
        assert pd.api.types.is_datetime64_any_dtype(rows[column]), (column, rows[column].dtype)
    assert rows["cumulative_suppressed"].dtype == bool
    # A blank stays missing, never 0; a published 0 stays 0.
    blank = [r["cumulative"] == "" for r in raw]
    assert any(blank), "the example release has suppressed neighbourhood counts"
    assert rows["cumulative"].isna().tolist() == blank
    assert rows["cumulative_suppressed"].tolist() == [
        r["cumulative_suppressed"] == "true" for r in raw
    ]
    published = [int(r["cumulative"]) for r in raw if r["cumulative"] != ""]
    assert rows["cumulative"].dropna().astype(int).tolist() == published
    assert rows["date"].iloc[-1] == pd.Timestamp(raw[-1]["date"])


def test_the_documented_r_reading_runs_where_r_is_installed(api: Harness, tmp_path: Path) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed: the R reading in docs/analysts.md is not run")
    path, raw = downloaded_csv(api, tmp_path)
    snippet = documented_snippet("r", "read_csv")
    snippet = re.sub(r'"vaxshare_[^"]+\.csv"', json.dumps(str(path)), snippet)
    check = (
        "cat(class(rows$date), class(rows$cumulative), class(rows$cumulative_suppressed), "
        'sum(is.na(rows$cumulative)), nrow(rows), sep = "\\n")\n'
    )
    done = subprocess.run(
        [rscript, "-e", snippet + check], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    blanks = sum(r["cumulative"] == "" for r in raw)
    assert done.stdout.split() == ["Date", "integer", "logical", str(blanks), str(len(raw))]
