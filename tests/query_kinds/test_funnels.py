"""Funnels: ordered/strict/unordered, windows, exclusions, breakdowns, time to convert, trends."""

from __future__ import annotations

from typing import Any

from app.query.funnels import run_funnels
from tests.query_kinds.data import Data


def funnel(*events: str, **ff: Any) -> dict[str, Any]:
    query: dict[str, Any] = {
        "kind": "FunnelsQuery",
        "series": [{"kind": "EventsNode", "event": e} for e in events],
        "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-14"},
        "funnelsFilter": ff,
    }
    return query


def counts(result: dict[str, Any]) -> list[int]:
    return [step["count"] for step in result["results"]]


def test_ordered_basic_and_conversion_times(data: Data) -> None:
    data.person("p1")
    data.events("p1", ("sign up", "2020-01-02 10:00:00"), ("pay", "2020-01-02 11:00:00"))
    data.person("p2")
    data.events("p2", ("sign up", "2020-01-02 10:00:00"), ("pay", "2020-01-02 12:00:00"))
    data.person("p3")
    data.events("p3", ("sign up", "2020-01-03 10:00:00"))
    data.person("p4")
    data.events("p4", ("pay", "2020-01-03 10:00:00"), ("sign up", "2020-01-03 11:00:00"))
    res = data.run(run_funnels, funnel("sign up", "pay"))
    steps = res["results"]
    assert counts(res) == [4, 2]
    assert steps[0]["average_conversion_time"] is None
    assert steps[1]["average_conversion_time"] == 5400
    assert steps[1]["median_conversion_time"] == 5400
    assert steps[0]["name"] == "sign up" and steps[1]["action_id"] == "pay"
    assert [s["order"] for s in steps] == [0, 1]
