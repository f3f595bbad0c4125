"""Retention options: 24-hour (rolling) windows vs calendar intervals, and the validated
display options (meanRetentionCalculation)."""

from __future__ import annotations

from typing import Any

import pytest

from app.query.base import QueryError
from app.query.retention import run_retention
from tests.query_kinds.data import Data

ZONES = ["UTC", "America/Phoenix", "Asia/Tokyo", "US/Pacific"]


def retention(**rf: Any) -> dict[str, Any]:
    return {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": rf.pop("date_to", "2020-01-03")},
        "retentionFilter": {"period": "Day", "totalIntervals": 3, **rf},
    }


def matrix(res: dict[str, Any]) -> list[list[int]]:
    return [[v["count"] for v in row["values"]] for row in res["results"]]


def _dataset(data: Data) -> None:
    data.person("p1")
    for ts in ("01-01 20:00", "01-02 10:00", "01-02 21:00", "01-03 19:00"):
        data.event("p1", "$pageview", f"2020-{ts}:00")
    data.person("p2")
    # 23h40m apart, but 24 hour boundaries: day 1 as ClickHouse's dateDiff counts it
    data.event("p2", "$pageview", "2020-01-02 00:30:00")
    data.event("p2", "$pageview", "2020-01-03 00:10:00")
    data.person("p3")
    data.event("p3", "$pageview", "2019-12-31 10:00:00")
    data.event("p3", "$pageview", "2020-01-02 10:00:00")


@pytest.mark.parametrize("tz", ZONES)
def test_24_hour_windows_count_from_each_actors_first_event(make_data: Any, tz: str) -> None:
    data = make_data(tz)
    _dataset(data)
    calendar = data.run(run_retention, retention())
    assert matrix(calendar) == [[1, 1, 1], [3, 2, 0], [2, 0, 0]]
    rolling = data.run(run_retention, retention(timeWindowMode="24_hour_windows"))
    assert matrix(rolling) == [[1, 1, 0], [2, 1, 0], [0, 0, 0]]
    assert [r["label"] for r in rolling["results"]] == ["Day 0", "Day 1", "Day 2"]
    first = data.run(
        run_retention,
        retention(timeWindowMode="24_hour_windows", retentionType="retention_first_time"),
    )
    assert matrix(first) == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    twice = data.run(
        run_retention, retention(timeWindowMode="24_hour_windows", minimumOccurrences=2)
    )
    assert matrix(twice) == [[1, 1, 0], [2, 0, 0], [0, 0, 0]]
    explicit = data.run(run_retention, retention(timeWindowMode="strict_calendar_dates"))
    assert matrix(explicit) == matrix(calendar)


def test_weekly_rolling_windows_are_seven_days(data: Data) -> None:
    data.person("p")
    for day in ("08", "14", "15"):
        data.event("p", "$pageview", f"2020-01-{day} 12:00:00")
    weekly = {"period": "Week", "totalIntervals": 2, "date_to": "2020-01-14"}
    assert matrix(data.run(run_retention, retention(**weekly))) == [[1, 1], [1, 0]]
    rolling = retention(**weekly, timeWindowMode="24_hour_windows")
    assert matrix(data.run(run_retention, rolling)) == [[1, 1], [0, 0]]


def test_rolling_windows_with_a_breakdown(data: Data) -> None:
    _dataset(data)
    query = retention(timeWindowMode="24_hour_windows")
    query["breakdownFilter"] = {"breakdown": "$browser", "breakdown_type": "event"}
    res = data.run(run_retention, query)
    assert {r["breakdown_value"] for r in res["results"]} == {"$$_posthog_breakdown_null_$$"}
    assert matrix(res) == [[1, 1, 0], [2, 1, 0], [0, 0, 0]]


@pytest.mark.parametrize(
    "rf",
    [
        {"timeWindowMode": "24_hour_windows", "cumulative": True},
        {"timeWindowMode": "sliding"},
        {"meanRetentionCalculation": "median"},
    ],
)
def test_invalid_options_are_query_errors(data: Data, rf: dict[str, Any]) -> None:
    with pytest.raises(QueryError):
        data.run(run_retention, retention(**rf))


def test_mean_calculation_is_display_only(data: Data) -> None:
    _dataset(data)
    plain = matrix(data.run(run_retention, retention()))
    for mean in ("simple", "weighted", "none"):
        assert matrix(data.run(run_retention, retention(meanRetentionCalculation=mean))) == plain
