"""ActorsQuery (trends bucket/breakdown, funnel steps) and EventsQuery."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.query.base import QueryError
from tests.helpers import Api
from tests.query.data import Data, make_project, run

NOW = "2020-01-10T00:00:00"
TRENDS: dict[str, Any] = {
    "kind": "TrendsQuery",
    "series": [{"event": "$pageview", "math": "dau"}],
    "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
}


@pytest.fixture(scope="module")
def pid(qapp: Flask, qapi: Api) -> int:
    _, project_id = make_project(qapi, tz="US/Pacific")
    d = Data(qapp, project_id)
    d.person("a", "a2", name="A").person("b", name="B").person("c", name="C")
    d.event("$pageview", "a", "2020-01-01T10:00:00", {"$browser": "Chrome"})
    d.event("$pageview", "a2", "2020-01-01T11:00:00", {"$browser": "Chrome"})
    d.event("$pageview", "b", "2020-01-01T12:00:00", {"$browser": "Firefox"})
    d.event("signup", "b", "2020-01-01T12:30:00")
    d.event("$pageview", "c", "2020-01-02T23:30:00", {"$browser": "Chrome"})
    d.event("signup", "a", "2020-01-02T09:00:00")
    d.event("$pageview", "c", "2020-01-03T01:00:00")
    d.save()
    return project_id


def actors(app: Flask, pid: int, source: dict[str, Any]) -> list[tuple[str, int]]:
    q = {"kind": "ActorsQuery", "source": {"kind": "InsightActorsQuery", **source}}
    res = run(app, pid, q, NOW, tz="US/Pacific")
    return [(row[0]["properties"]["name"], row[1]) for row in res["results"]]


def test_trends_bucket_actors(qapp: Flask, pid: int) -> None:
    assert actors(qapp, pid, {"source": TRENDS, "day": "2020-01-01"}) == [("A", 2), ("B", 1)]
    assert actors(qapp, pid, {"source": TRENDS, "day": "2020-01-02"}) == [("C", 1)]
    whole = actors(qapp, pid, {"source": TRENDS})  # ordered by count; ties by person uuid
    assert sorted(whole, key=lambda x: (-x[1], x[0])) == [("A", 2), ("C", 2), ("B", 1)]
    assert whole[-1] == ("B", 1)
    with pytest.raises(QueryError):
        actors(qapp, pid, {"source": TRENDS, "day": "2021-01-01"})


def test_trends_breakdown_actors_and_person_shape(qapp: Flask, pid: int) -> None:
    source = {**TRENDS, "breakdownFilter": {"breakdown": "$browser"}}
    got = actors(qapp, pid, {"source": source, "breakdown": "Chrome"})
    assert got == [("A", 2), ("C", 1)]
    null = "$$_posthog_breakdown_null_$$"
    assert actors(qapp, pid, {"source": source, "breakdown": null}) == [("C", 1)]
    q = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": TRENDS, "day": "2020-01-01"},
    }
    person = run(qapp, pid, q, NOW, tz="US/Pacific")["results"][0][0]
    assert person["distinct_ids"] == ["a", "a2"]


def test_funnel_step_actors(qapp: Flask, pid: int) -> None:
    funnel = {
        "kind": "FunnelsQuery",
        "series": [{"event": "$pageview"}, {"event": "signup"}],
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
    }
    reached = {n for n, _ in actors(qapp, pid, {"source": funnel, "funnelStep": 2})}
    dropped = {n for n, _ in actors(qapp, pid, {"source": funnel, "funnelStep": -2})}
    entered = {n for n, _ in actors(qapp, pid, {"source": funnel, "funnelStep": 1})}
    assert reached == {"A", "B"} and dropped == {"C"} and entered == {"A", "B", "C"}


def test_events_query(qapp: Flask, pid: int) -> None:
    q = {
        "kind": "EventsQuery",
        "select": ["event", "distinct_id", "properties.$browser", "person", "timestamp"],
        "properties": [{"key": "$browser", "value": "Chrome"}],
        "limit": 2,
    }
    res = run(qapp, pid, q, NOW, tz="US/Pacific")
    assert res["hasMore"] is True
    assert [r[:3] for r in res["results"]] == [
        ["$pageview", "c", "Chrome"],
        ["$pageview", "a2", "Chrome"],
    ]
    assert res["results"][0][3]["properties"] == {"name": "C"}
    full = run(
        qapp, pid, {"kind": "EventsQuery", "event": "signup", "orderBy": ["timestamp ASC"]}, NOW
    )
    assert [r[0]["distinct_id"] for r in full["results"]] == ["b", "a"]
    with pytest.raises(QueryError):
        run(qapp, pid, {"kind": "EventsQuery", "select": ["count()"]}, NOW)
