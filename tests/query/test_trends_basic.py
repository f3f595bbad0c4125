"""Trends: math types on a small fixed dataset (UTC)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.helpers import Api
from tests.query.data import Data, make_project, run

NOW = "2020-01-04T12:00:00"


@pytest.fixture
def project(app: Flask, api: Api) -> int:
    _, pid = make_project(api)
    d = Data(app, pid)
    d.person("p1", "p1-anon", plan="pro", email="a@x.com")
    d.person("p2", plan="free", email="b@mycompany.com")
    d.person("p3")
    d.event("$pageview", "p1", "2020-01-01T10:00:00", {"$browser": "Chrome", "price": 10})
    d.event("$pageview", "p1-anon", "2020-01-01T11:00:00", {"$browser": "Chrome", "price": "20"})
    d.event("$pageview", "p2", "2020-01-01T12:00:00", {"$browser": "Firefox", "price": 30})
    d.event("$pageview", "p2", "2020-01-02T12:00:00", {"$browser": "Safari", "price": "abc"})
    d.event("$pageview", "p3", "2020-01-03T12:00:00", {"$browser": None})
    d.event("$pageleave", "p3", "2020-01-03T13:00:00", {"$browser": "Chrome"})
    d.save()
    return pid


def q(**kw: Any) -> dict[str, Any]:
    series = kw.pop("series", [{"kind": "EventsNode", "event": "$pageview"}])
    return {
        "kind": "TrendsQuery",
        "series": series,
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-04"},
        **kw,
    }


def data(app: Flask, pid: int, query: dict[str, Any]) -> list[Any]:
    return [r["data"] for r in run(app, pid, query, NOW)["results"]]


def test_total_and_days(app: Flask, project: int) -> None:
    res = run(app, project, q(), NOW)["results"]
    assert res[0]["data"] == [3, 1, 1, 0]
    assert res[0]["days"] == ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]
    assert res[0]["labels"][0] == "1-Jan-2020"
    assert res[0]["count"] == 5
    assert res[0]["label"] == "$pageview"
    assert res[0]["action"]["math"] == "total"


def test_dau_resolves_distinct_ids_to_persons(app: Flask, project: int) -> None:
    series = [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}]
    assert data(app, project, q(series=series)) == [[2, 1, 1, 0]]


@pytest.mark.parametrize(
    ("math", "expected"),
    [
        ("sum", [60.0, 0, 0, 0]),
        ("avg", [20.0, 0, 0, 0]),
        ("min", [10.0, 0, 0, 0]),
        ("max", [30.0, 0, 0, 0]),
        ("median", [20.0, 0, 0, 0]),
        ("p90", [28.0, 0, 0, 0]),
    ],
)
def test_property_math(app: Flask, project: int, math: str, expected: list[float]) -> None:
    series = [{"event": "$pageview", "math": math, "math_property": "price"}]
    assert data(app, project, q(series=series)) == [expected]


def test_per_actor_math(app: Flask, project: int) -> None:
    series = [{"event": "$pageview", "math": "avg_count_per_actor"}]
    assert data(app, project, q(series=series)) == [[1.5, 1.0, 1.0, 0]]
    series = [{"event": "$pageview", "math": "max_count_per_actor"}]
    assert data(app, project, q(series=series)) == [[2, 1, 1, 0]]


def test_all_events_and_total_value(app: Flask, project: int) -> None:
    series = [{"event": None, "math": "dau"}]
    res = run(app, project, q(series=series, trendsFilter={"display": "BoldNumber"}), NOW)
    assert res["results"][0]["aggregated_value"] == 3
    assert res["results"][0]["label"] == "All events"
    assert res["results"][0]["data"] == []
