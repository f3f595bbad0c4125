"""Trends in the project's time zone: zones, DST, week start, hour and month intervals."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.helpers import Api
from tests.query.data import Data, make_project, run

ZONES = ["UTC", "America/Phoenix", "Asia/Tokyo", "US/Pacific"]


def trends(date_from: str, date_to: str, interval: str = "day", **kw: Any) -> dict[str, Any]:
    return {
        "kind": "TrendsQuery",
        "series": [{"event": "$pageview", **kw}],
        "interval": interval,
        "dateRange": {"date_from": date_from, "date_to": date_to},
    }


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("UTC", [1, 1]),
        ("America/Phoenix", [2, 0]),
        ("Asia/Tokyo", [0, 2]),
        ("US/Pacific", [2, 0]),
    ],
)
def test_utc_events_bucket_by_local_day(
    qapp: Flask, qapi: Api, tz: str, expected: list[int]
) -> None:
    _, pid = make_project(qapi, tz=tz)
    Data(qapp, pid).person("a").event("$pageview", "a", "2020-01-11T23:00:00Z").event(
        "$pageview", "a", "2020-01-12T01:00:00Z"
    ).save()
    res = run(qapp, pid, trends("2020-01-11", "2020-01-12"), "2020-01-20T00:00:00", tz=tz)
    assert res["results"][0]["data"] == expected


@pytest.mark.parametrize("tz", ZONES)
def test_local_wall_clock_data_gives_same_numbers_in_every_zone(
    qapp: Flask, qapi: Api, tz: str
) -> None:
    _, pid = make_project(qapi, tz=tz)
    d = Data(qapp, pid).person("a").person("b")
    for ts, who in [("2020-01-01T00:05:00", "a"), ("2020-01-01T23:55:00", "b"),
                    ("2020-01-02T00:00:00", "a"), ("2020-01-03T12:00:00", "a")]:  # fmt: skip
        d.event("$pageview", who, ts)
    d.save()
    res = run(
        qapp, pid, trends("2020-01-01", "2020-01-03", math="dau"), "2020-01-04T12:00:00", tz=tz
    )
    assert res["results"][0]["data"] == [2, 1, 1]
    res = run(qapp, pid, trends("-2d", None, "day"), "2020-01-04T12:00:00", tz=tz)  # type: ignore[arg-type]
    assert len(res["results"][0]["data"]) == 3


def test_dst_spring_forward_days_and_hours(qapp: Flask, qapi: Api) -> None:
    tz = "US/Pacific"
    _, pid = make_project(qapi, tz=tz)
    d = Data(qapp, pid).person("a")
    for ts in ["2020-03-08T01:30:00", "2020-03-08T03:30:00", "2020-03-08T23:30:00",
               "2020-03-09T00:30:00", "2020-03-07T23:59:00"]:  # fmt: skip
        d.event("$pageview", "a", ts)
    d.save()
    now = "2020-03-12T00:00:00"
    assert run(qapp, pid, trends("2020-03-07", "2020-03-09"), now, tz=tz)["results"][0]["data"] == [
        1,
        3,
        1,
    ]
    q = trends("2020-03-08T00:00:00", "2020-03-08T04:00:00", "hour")
    res = run(qapp, pid, q, now, tz=tz)["results"][0]
    assert res["days"] == [
        "2020-03-08 00:00:00",
        "2020-03-08 01:00:00",
        "2020-03-08 03:00:00",
        "2020-03-08 04:00:00",
    ]
    assert res["data"] == [0, 1, 1, 0]


def test_dst_fall_back_hour_counts_both_real_hours(qapp: Flask, qapi: Api) -> None:
    tz = "US/Pacific"
    _, pid = make_project(qapi, tz=tz)
    d = Data(qapp, pid).person("a")
    d.event("$pageview", "a", "2020-11-01T08:30:00Z")  # 01:30 PDT
    d.event("$pageview", "a", "2020-11-01T09:30:00Z")  # 01:30 PST
    d.save()
    q = trends("2020-11-01T00:00:00", "2020-11-01T02:00:00", "hour")
    res = run(qapp, pid, q, "2020-11-03T00:00:00", tz=tz)["results"][0]
    assert res["data"] == [0, 2, 0]


@pytest.mark.parametrize(("week_start", "days", "data"), [
    (0, ["2020-01-05", "2020-01-12"], [0, 3]),
    (1, ["2019-12-30", "2020-01-06", "2020-01-13"], [0, 1, 2]),
])  # fmt: skip
def test_week_start(
    qapp: Flask, qapi: Api, week_start: int, days: list[str], data: list[int]
) -> None:
    _, pid = make_project(qapi, tz="Asia/Tokyo", week_start=week_start)
    d = Data(qapp, pid).person("a")
    for ts in ["2020-01-12T10:00:00", "2020-01-13T00:30:00", "2020-01-18T23:00:00"]:
        d.event("$pageview", "a", ts)
    d.save()
    q = trends("2020-01-05", "2020-01-18", "week")
    res = run(qapp, pid, q, "2020-01-20T00:00:00", tz="Asia/Tokyo", week_start=week_start)
    assert res["results"][0]["days"] == days
    assert res["results"][0]["data"] == data


def test_month_interval_and_relative_all(qapp: Flask, qapi: Api) -> None:
    _, pid = make_project(qapi, tz="America/Phoenix")
    d = Data(qapp, pid).person("a")
    for ts in ["2020-01-31T23:30:00", "2020-02-01T00:30:00", "2020-02-15T00:00:00"]:
        d.event("$pageview", "a", ts)
    d.save()
    q = trends("all", None, "month")  # type: ignore[arg-type]
    res = run(qapp, pid, q, "2020-03-02T12:00:00", tz="America/Phoenix")["results"][0]
    assert res["days"] == ["2020-01-01", "2020-02-01", "2020-03-01"]
    assert res["data"] == [1, 2, 0]
    assert res["labels"] == ["Jan 2020", "Feb 2020", "Mar 2020"]
