"""Stickiness histograms and lifecycle statuses."""

from __future__ import annotations

from typing import Any

import pytest

from app.query.lifecycle import run_lifecycle
from app.query.stickiness import run_stickiness
from tests.query_kinds.data import Data


def sticky(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "StickinessQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-05"},
        **extra,
    }


def _sticky_data(data: Data) -> None:
    data.person("p1")
    for ts in (
        "2020-01-01 10:00:00",
        "2020-01-01 11:00:00",
        "2020-01-02 10:00:00",
        "2020-01-03 10:00:00",
    ):
        data.event("p1", "$pageview", ts)
    data.person("p2")
    data.event("p2", "$pageview", "2020-01-01 10:00:00")
    data.person("p3")
    data.event("p3", "$pageview", "2020-01-02 10:00:00")
    data.event("p3", "$pageview", "2020-01-02 12:00:00")
    data.person("p4")
    data.event("p4", "$pageview", "2020-01-04 10:00:00")
    data.event("p4", "$pageview", "2020-01-05 10:00:00")
    data.event("p4", "other", "2020-01-03 10:00:00")


def test_stickiness_counts(data: Data) -> None:
    _sticky_data(data)
    res = data.run(run_stickiness, sticky())["results"][0]
    assert res["data"] == [2, 1, 1, 0, 0]
    assert res["count"] == 4
    assert res["days"] == [1, 2, 3, 4, 5]
    assert res["labels"] == ["1 day", "2 days", "3 days", "4 days", "5 days"]
    assert res["label"] == "$pageview"


def test_stickiness_cumulative_criteria_and_interval_count(data: Data) -> None:
    _sticky_data(data)
    cumulative = data.run(run_stickiness, sticky(stickinessFilter={"computedAs": "cumulative"}))
    assert cumulative["results"][0]["data"] == [4, 2, 1, 0, 0]
    assert cumulative["results"][0]["labels"][0] == "1 day or more"
    criteria = {"stickinessCriteria": {"operator": "gte", "value": 2}}
    res = data.run(run_stickiness, sticky(stickinessFilter=criteria))["results"][0]
    assert (res["data"], res["count"]) == ([2, 0, 0, 0, 0], 2)
    res = data.run(run_stickiness, sticky(intervalCount=2))["results"][0]
    assert res["data"] == [2, 2, 0]


def test_stickiness_weekly_labels(data: Data) -> None:
    data.person("p1")
    data.event("p1", "$pageview", "2020-01-01 10:00:00")
    data.event("p1", "$pageview", "2020-01-08 10:00:00")
    query = sticky(interval="week", dateRange={"date_from": "2020-01-01", "date_to": "2020-01-14"})
    res = data.run(run_stickiness, query)["results"][0]
    assert res["labels"] == ["1 week", "2 weeks", "3 weeks"]
    assert res["data"] == [0, 1, 0]


def lifecycle(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "LifecycleQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview"}],
        "dateRange": {"date_from": "2020-01-02", "date_to": "2020-01-05"},
        "interval": "day",
        **extra,
    }


@pytest.mark.parametrize("tz", ["UTC", "America/Phoenix", "Asia/Tokyo", "US/Pacific"])
def test_lifecycle_statuses(make_data: Any, tz: str) -> None:
    data = make_data(tz)
    data.person("a", created_at="2020-01-02 09:00:00")
    for day in ("02", "03", "05"):
        data.event("a", "$pageview", f"2020-01-{day} 10:00:00")
    data.person("b", created_at="2019-12-01 09:00:00")
    data.event("b", "$pageview", "2020-01-01 10:00:00")
    data.event("b", "$pageview", "2020-01-02 10:00:00")
    data.person("c", created_at="2019-12-01 09:00:00")
    data.event("c", "$pageview", "2020-01-04 23:59:00")
    data.person("d", created_at="2020-01-03 09:00:00")
    data.event("d", "$pageview", "2020-01-03 10:00:00", person_mode="propertyless")
    res = data.run(run_lifecycle, lifecycle())["results"]
    assert [r["status"] for r in res] == ["new", "returning", "resurrecting", "dormant"]
    assert [r["data"] for r in res] == [
        [1.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 1.0],
        [0.0, -1.0, -1.0, -1.0],
    ]
    assert [r["count"] for r in res] == [1, 2, 2, -3]
    assert res[0]["label"] == "$pageview - new"
    assert res[0]["days"] == ["2020-01-02", "2020-01-03", "2020-01-04", "2020-01-05"]
    assert res[0]["action"]["math"] == "total"


def test_lifecycle_created_at_of_merged_person(data: Data) -> None:
    data.person("anon", created_at="2020-01-01 08:00:00")
    data.person("user", created_at="2020-01-03 08:00:00")
    data.event("user", "$pageview", "2020-01-03 10:00:00")
    res = data.run(run_lifecycle, lifecycle())["results"]
    assert res[0]["data"] == [0.0, 1.0, 0.0, 0.0]
    data.merge("anon", "user")  # created_at becomes the earlier one: no longer "new" on Jan 3
    res = data.run(run_lifecycle, lifecycle())["results"]
    assert res[0]["data"] == [0.0, 0.0, 0.0, 0.0]
    assert res[2]["data"] == [0.0, 1.0, 0.0, 0.0]


def test_stickiness_compare_to_previous_period(data: Data) -> None:
    _sticky_data(data)
    data.person("old")
    data.event("old", "$pageview", "2019-12-28 10:00:00")
    data.event("old", "$pageview", "2019-12-29 10:00:00")
    res = data.run(run_stickiness, sticky(compareFilter={"compare": True}))["results"]
    assert [(r["compare_label"], r["data"]) for r in res] == [
        ("current", [2, 1, 1, 0, 0]),
        ("previous", [0, 1, 0, 0, 0]),
    ]
    assert all(r["compare"] is True for r in res)


def test_hourly_stickiness_bucket_counts(data: Data) -> None:
    # PostHog: hourly over -2d gives 61 buckets; 2020-01-11..2020-01-12 hourly gives 25
    query = sticky(interval="hour", dateRange={"date_from": "-2d"})
    res = data.run(run_stickiness, query, now="2020-01-12T12:30:00Z")["results"][0]
    assert len(res["data"]) == 61 and res["labels"][:2] == ["1 hour", "2 hours"]
    query = sticky(interval="hour", dateRange={"date_from": "2020-01-11", "date_to": "2020-01-12"})
    assert len(data.run(run_stickiness, query)["results"][0]["days"]) == 25


def test_lifecycle_days_across_dst(make_data: Any) -> None:
    data = make_data("US/Pacific")
    data.person("a", created_at="2020-03-07 23:30:00")
    data.event("a", "$pageview", "2020-03-07 23:30:00")
    data.event("a", "$pageview", "2020-03-08 23:30:00")  # a 23-hour local day later
    data.event("a", "$pageview", "2020-03-09 00:30:00")
    query = lifecycle(dateRange={"date_from": "2020-03-07", "date_to": "2020-03-10"})
    res = data.run(run_lifecycle, query, now="2020-03-12T00:00:00Z")["results"]
    assert [r["data"] for r in res] == [
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, -1.0],
    ]
