"""The counts reader returns daily and cumulative series exactly as stored, in few round trips."""

from __future__ import annotations

from datetime import date

from services.platform.redis_keys import RedisKeys
from services.release.counts_reader import CountsReader
from tests.conftest import Stack

HAMMERSMITH, BRENT = "E09000013", "E09000005"


def test_series_sum_ltlas_and_cumulate_from_the_programme_start(stack: Stack, prefix: str) -> None:
    client = stack.redis_client()
    keys = RedisKeys(prefix)
    client.set(keys.active_generation, "2")
    client.sadd(keys.shards, 0, 3)
    client.hset(keys.counts("1", 0, HAMMERSMITH, 1, "sex"), "2021-01-04|MALE", 99)  # inactive
    # Each count shard keeps its own counts: a reader sums them.
    client.hset(
        keys.counts("2", 0, HAMMERSMITH, 1, "sex"),
        mapping={"2021-01-01|FEMALE": 3, "2021-01-05|FEMALE": 1, "2021-01-10|MALE": 1},
    )
    client.hset(keys.counts("2", 3, HAMMERSMITH, 1, "sex"), mapping={"2021-01-05|FEMALE": 1})
    client.hset(keys.counts("2", 3, BRENT, 1, "sex"), mapping={"2021-01-03|FEMALE": 4})
    client.hset(keys.offsets("2", 0), "0", 10)
    client.hset(keys.offsets("2", 3), mapping={"3": 7, "15": 2})  # partition 15: shard 3 of 12
    client.hset(keys.stats("2", 0), mapping={"consumed": 10, "net_counted": 6})
    client.hset(keys.stats("2", 3), mapping={"consumed": 7, "net_counted": 4})
    reader = CountsReader(client, prefix=prefix)

    series = reader.series([HAMMERSMITH, BRENT], 1, "sex", date(2021, 1, 4), date(2021, 1, 6))

    assert series.dates == [date(2021, 1, 4), date(2021, 1, 5), date(2021, 1, 6)]
    assert series.groups == ["FEMALE", "MALE"]
    assert series.daily == {"FEMALE": [0, 2, 0], "MALE": [0, 0, 0]}
    # Cumulative values count everything since the programme began, not only from `start`.
    assert series.cumulative == {"FEMALE": [7, 9, 9], "MALE": [0, 0, 0]}
    assert reader.offsets() == {0: 10, 3: 7, 15: 2}
    assert reader.stats() == {"consumed": 17, "net_counted": 10}
    assert reader.scan_cell_keys() == [(BRENT, 1, "sex"), (HAMMERSMITH, 1, "sex")]
    assert reader.cells(BRENT, 1, "sex") == {(date(2021, 1, 3), "FEMALE"): 4}


def test_area_series_sums_the_ltlas_of_a_region(stack: Stack, prefix: str) -> None:
    client = stack.redis_client()
    keys = RedisKeys(prefix)
    client.sadd(keys.shards, 1)
    client.hset(keys.counts("1", 1, HAMMERSMITH, 2, "none"), "2021-03-01|all", 5)
    client.hset(keys.counts("1", 1, BRENT, 2, "none"), "2021-03-01|all", 6)
    reader = CountsReader(client, prefix=prefix)

    london = reader.area_series("E12000007", 2, "none", date(2021, 3, 1), date(2021, 3, 1))

    assert london.daily == {"all": [11]}
    assert reader.area_series(BRENT, 2, "none", date(2021, 3, 1), date(2021, 3, 1)).daily == {
        "all": [6]
    }
