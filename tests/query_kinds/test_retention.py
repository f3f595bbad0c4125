"""Retention: recurring vs first time, cumulative, minimum occurrences, zones, week start."""

from __future__ import annotations

from typing import Any

import pytest

from app.query.retention import run_retention
from tests.query_kinds.data import Data

ZONES = ["UTC", "America/Phoenix", "Asia/Tokyo", "US/Pacific"]


def retention(total: int = 4, date_to: str = "2020-01-04", **rf: Any) -> dict[str, Any]:
    return {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": date_to},
        "retentionFilter": {"period": "Day", "totalIntervals": total, **rf},
    }


def matrix(res: dict[str, Any]) -> list[list[int]]:
    return [[v["count"] for v in row["values"]] for row in res["results"]]


def _dataset(data: Data) -> None:
    data.person("p1")
    for day in ("01", "02", "04"):
        data.event("p1", "$pageview", f"2020-01-{day} 10:00:00")
    data.person("p2")
    for day in ("02", "03"):
        data.event("p2", "$pageview", f"2020-01-{day} 23:30:00")
    data.person("p3")
    data.event("p3", "$pageview", "2019-12-31 00:10:00")
    data.event("p3", "$pageview", "2020-01-03 00:10:00")


@pytest.mark.parametrize("tz", ZONES)
def test_recurring_and_first_time_in_every_zone(make_data: Any, tz: str) -> None:
    data = make_data(tz)
    _dataset(data)
    res = data.run(run_retention, retention(), now="2020-01-10T12:00:00Z")
    assert matrix(res) == [[1, 1, 0, 1], [2, 1, 1, 0], [2, 0, 0, 0], [1, 0, 0, 0]]
    assert [r["label"] for r in res["results"]] == ["Day 0", "Day 1", "Day 2", "Day 3"]
    assert [v["label"] for v in res["results"][0]["values"]] == ["Day 0", "Day 1", "Day 2", "Day 3"]
    assert res["results"][0]["date"].startswith("2020-01-01T00:00:00")
    first = data.run(run_retention, retention(retentionType="retention_first_time"))
    assert matrix(first) == [[1, 1, 0, 1], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_cumulative(data: Data) -> None:
    _dataset(data)
    res = data.run(run_retention, retention(cumulative=True))
    assert matrix(res) == [[1, 1, 1, 1], [2, 2, 1, 0], [2, 0, 0, 0], [1, 0, 0, 0]]


def test_minimum_occurrences_applies_to_returns_only(data: Data) -> None:
    data.person("p1")
    data.event("p1", "start", "2020-01-01 10:00:00")
    data.event("p1", "back", "2020-01-02 10:00:00")
    data.event("p1", "back", "2020-01-03 10:00:00")
    data.event("p1", "back", "2020-01-03 11:00:00")
    query = retention(
        targetEntity={"id": "start", "type": "events"},
        returningEntity={"id": "back", "type": "events"},
        minimumOccurrences=2,
    )
    assert matrix(data.run(run_retention, query))[0] == [1, 0, 1, 0]
    query["retentionFilter"]["minimumOccurrences"] = 1
    assert matrix(data.run(run_retention, query))[0] == [1, 1, 1, 0]


def test_activity_in_the_cohort_interval_is_not_a_return(data: Data) -> None:
    data.person("p1")
    data.event("p1", "$pageview", "2020-01-01 10:00:00")
    data.event("p1", "$pageview", "2020-01-01 11:00:00")
    assert matrix(data.run(run_retention, retention()))[0] == [1, 0, 0, 0]


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("UTC", [[0, 0], [1, 0]]),
        ("Asia/Tokyo", [[0, 0], [1, 0]]),
        ("US/Pacific", [[1, 0], [0, 0]]),
        ("America/Phoenix", [[1, 0], [0, 0]]),
    ],
)
def test_day_boundaries_follow_the_project_zone(make_data: Any, tz: str, expected: Any) -> None:
    data = make_data(tz)
    data.person("p1")
    data.event("p1", "$pageview", "2020-01-02T03:00:00Z")
    res = data.run(run_retention, retention(total=2, date_to="2020-01-02"))
    assert matrix(res) == expected


@pytest.mark.parametrize(
    ("week_start", "expected", "first_row"),
    [(0, [[0, 0], [1, 0]], "2019-12-29"), (1, [[1, 1], [1, 0]], "2019-12-30")],
)
def test_week_start(make_data: Any, week_start: int, expected: Any, first_row: str) -> None:
    data = make_data("UTC", week_start)
    data.person("p1")
    data.event("p1", "$pageview", "2020-01-05 10:00:00")  # a Sunday
    data.event("p1", "$pageview", "2020-01-06 10:00:00")  # a Monday
    res = data.run(run_retention, retention(total=2, date_to="2020-01-07", period="Week"))
    assert matrix(res) == expected
    assert res["results"][0]["date"].startswith(first_row)
    assert res["results"][0]["label"] == "Week 0"


def test_merged_persons_are_one_actor(data: Data) -> None:
    data.person("anon")
    data.person("user")
    data.event("anon", "$pageview", "2020-01-01 10:00:00")
    data.event("user", "$pageview", "2020-01-02 10:00:00")
    assert matrix(data.run(run_retention, retention()))[0] == [1, 0, 0, 0]
    data.merge("anon", "user")
    assert matrix(data.run(run_retention, retention()))[0] == [1, 1, 0, 0]


def test_breakdown_by_start_event_property_with_limit(data: Data) -> None:
    data.person("p1")
    data.event("p1", "$pageview", "2020-01-01 10:00:00", {"$browser": "Chrome"})
    data.event("p1", "$pageview", "2020-01-02 10:00:00", {"$browser": "Firefox"})
    data.person("p2")
    data.event("p2", "$pageview", "2020-01-01 10:00:00")
    data.event("p2", "$pageview", "2020-01-02 10:00:00", {"$browser": "Safari"})
    data.person("p3")
    data.event("p3", "$pageview", "2020-01-02 10:00:00", {"$browser": "Chrome"})
    query = retention(total=3, date_to="2020-01-03")
    query["breakdownFilter"] = {"breakdown": "$browser", "breakdown_type": "event"}
    res = data.run(run_retention, query)["results"]

    def by_value(rows: list[dict[str, Any]]) -> list[tuple[Any, list[list[int]]]]:
        out: dict[Any, list[list[int]]] = {}
        for row in rows:
            out.setdefault(row["breakdown_value"], []).append([v["count"] for v in row["values"]])
        return list(out.items())

    null = "$$_posthog_breakdown_null_$$"
    assert by_value(res) == [
        ("Chrome", [[1, 1, 0], [1, 0, 0], [0, 0, 0]]),
        ("Firefox", [[0, 0, 0], [1, 0, 0], [0, 0, 0]]),
        ("Safari", [[0, 0, 0], [1, 0, 0], [0, 0, 0]]),
        (null, [[1, 1, 0], [0, 0, 0], [0, 0, 0]]),
    ]
    query["breakdownFilter"]["breakdown_limit"] = 1
    assert by_value(data.run(run_retention, query)["results"]) == [
        ("Chrome", [[1, 1, 0], [1, 0, 0], [0, 0, 0]]),
        ("$$_posthog_breakdown_other_$$", [[1, 1, 0], [2, 0, 0], [0, 0, 0]]),
    ]


def test_breakdown_by_person_property(data: Data) -> None:
    data.person("p1", properties={"plan": "pro"})
    data.event("p1", "$pageview", "2020-01-01 10:00:00")
    data.event("p1", "$pageview", "2020-01-02 10:00:00")
    data.person("p2", properties={"plan": "free"})
    data.event("p2", "$pageview", "2020-01-01 10:00:00")
    query = retention(total=2, date_to="2020-01-02")
    query["breakdownFilter"] = {"breakdown": "plan", "breakdown_type": "person"}
    res = data.run(run_retention, query)["results"]
    assert [(r["breakdown_value"], [v["count"] for v in r["values"]]) for r in res] == [
        ("pro", [1, 1]),
        ("pro", [1, 0]),
        ("free", [1, 0]),
        ("free", [0, 0]),
    ]
