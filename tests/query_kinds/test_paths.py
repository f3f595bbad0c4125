"""Paths: items per event type, sessions, collapsing, start/end points, step and edge limits,
cleaning rules and groupings."""

from __future__ import annotations

from typing import Any

from app.query.paths import run_paths
from tests.query_kinds.data import Data


def paths(**pf: Any) -> dict[str, Any]:
    return {
        "kind": "PathsQuery",
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-05"},
        "pathsFilter": {"includeEventTypes": ["$pageview"], **pf},
    }


def edges(res: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(e["source"], e["target"], e["value"]) for e in res["results"]]


def view(data: Data, did: str, url: str, ts: str) -> None:
    data.event(did, "$pageview", ts, {"$current_url": url})


def _site(data: Data) -> None:
    data.person("p1")
    view(data, "p1", "https://x.com/", "2020-01-02 10:00:00")
    view(data, "p1", "https://x.com/pricing/", "2020-01-02 10:01:00")
    view(data, "p1", "https://x.com/pricing", "2020-01-02 10:02:00")  # collapsed duplicate
    view(data, "p1", "https://x.com/signup", "2020-01-02 10:05:00")
    view(data, "p1", "https://x.com/", "2020-01-02 11:00:00")  # new session (55 min gap)
    data.person("p2")
    view(data, "p2", "https://x.com/", "2020-01-02 10:00:00")
    view(data, "p2", "https://x.com/pricing", "2020-01-02 10:03:00")
    data.event("p2", "clicked", "2020-01-02 10:04:00")
    data.person("p3")
    view(data, "p3", "https://x.com/blog/1", "2020-01-02 10:00:00")
    view(data, "p3", "https://x.com/pricing", "2020-01-02 10:29:59")


def test_pageview_paths(data: Data) -> None:
    _site(data)
    res = data.run(run_paths, paths())
    assert edges(res) == [
        ("1_https://x.com", "2_https://x.com/pricing", 2),
        ("1_https://x.com/blog/1", "2_https://x.com/pricing", 1),
        ("2_https://x.com/pricing", "3_https://x.com/signup", 1),
    ]
    first = res["results"][0]
    assert first["average_conversion_time"] == (60_000 + 180_000) / 2


def test_all_event_types_and_custom_events(data: Data) -> None:
    _site(data)
    res = data.run(run_paths, paths(includeEventTypes=["custom_event", "$pageview"], stepLimit=3))
    assert ("2_https://x.com/pricing", "3_clicked", 1) in edges(res)
    res = data.run(run_paths, paths(includeEventTypes=["custom_event"]))
    assert edges(res) == []


def test_start_end_points_and_step_limit(data: Data) -> None:
    _site(data)
    res = data.run(run_paths, paths(startPoint="https://x.com/pricing"))
    assert edges(res) == [("1_https://x.com/pricing", "2_https://x.com/signup", 1)]
    res = data.run(run_paths, paths(endPoint="https://x.com/pricing"))
    assert edges(res) == [
        ("1_https://x.com", "2_https://x.com/pricing", 2),
        ("1_https://x.com/blog/1", "2_https://x.com/pricing", 1),
    ]
    res = data.run(run_paths, paths(stepLimit=2))
    assert len(edges(res)) == 2


def test_cleaning_groupings_and_edge_limits(data: Data) -> None:
    _site(data)
    cleaning = [{"alias": "", "regex": "^https://x\\.com"}]
    res = data.run(run_paths, paths(localPathCleaningFilters=cleaning, pathGroupings=["/blog/*"]))
    assert edges(res) == [
        ("1_", "2_/pricing", 2),
        ("1_/blog/*", "2_/pricing", 1),
        ("2_/pricing", "3_/signup", 1),
    ]
    res = data.run(run_paths, paths(localPathCleaningFilters=cleaning, edgeLimit=1))
    assert edges(res) == [("1_", "2_/pricing", 2)]
    res = data.run(run_paths, paths(localPathCleaningFilters=cleaning, minEdgeWeight=2))
    assert edges(res) == [("1_", "2_/pricing", 2)]
    res = data.run(run_paths, paths(localPathCleaningFilters=cleaning, maxEdgeWeight=1))
    assert edges(res) == [("1_/blog/1", "2_/pricing", 1), ("2_/pricing", "3_/signup", 1)]
