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


def test_conversion_window_edge_is_inclusive(data: Data) -> None:
    data.person("on_edge")
    data.events("on_edge", ("a", "2020-01-02 10:00:00"), ("b", "2020-01-02 11:00:00"))
    data.person("late")
    data.events("late", ("a", "2020-01-02 10:00:00"), ("b", "2020-01-02 11:00:01"))
    res = data.run(
        run_funnels, funnel("a", "b", funnelWindowInterval=1, funnelWindowIntervalUnit="hour")
    )
    assert counts(res) == [2, 1]
    res = data.run(
        run_funnels, funnel("a", "b", funnelWindowInterval=3600, funnelWindowIntervalUnit="second")
    )
    assert counts(res) == [2, 1]
    res = data.run(
        run_funnels, funnel("a", "b", funnelWindowInterval=59, funnelWindowIntervalUnit="minute")
    )
    assert counts(res) == [2, 0]


def test_week_and_month_windows_are_7_and_31_days(data: Data) -> None:
    data.person("p1")
    data.events("p1", ("a", "2020-01-01 00:00:00"), ("b", "2020-01-08 00:00:00"))
    data.person("p2")
    data.events("p2", ("a", "2020-01-01 00:00:00"), ("b", "2020-02-01 00:00:00"))
    query = funnel("a", "b", funnelWindowInterval=1, funnelWindowIntervalUnit="week")
    query["dateRange"] = {"date_from": "2020-01-01", "date_to": "2020-02-10"}
    assert counts(data.run(run_funnels, query)) == [2, 1]
    query["funnelsFilter"]["funnelWindowIntervalUnit"] = "month"
    assert counts(data.run(run_funnels, query)) == [2, 2]


def test_conversion_after_date_to_does_not_count(data: Data) -> None:
    data.person("p1")
    data.events("p1", ("a", "2020-01-14 23:00:00"), ("b", "2020-01-15 00:30:00"))
    assert counts(data.run(run_funnels, funnel("a", "b"))) == [1, 0]


def test_equal_timestamps_count_in_step_order(data: Data) -> None:
    data.person("p1")
    data.events("p1", ("$pageview", "2020-01-02 10:00:00"), ("sign up", "2020-01-02 10:00:00"))
    res = data.run(run_funnels, funnel("sign up", "$pageview"))
    assert counts(res) == [1, 1]
    # zero-second conversions are left out of the averages
    assert res["results"][1]["average_conversion_time"] is None
    assert counts(data.run(run_funnels, funnel("$pageview", "sign up"))) == [1, 1]


def test_one_event_advances_one_step(data: Data) -> None:
    data.person("once")
    data.event("once", "$pageview", "2020-01-02 10:00:00")
    data.person("twice")
    data.events("twice", ("$pageview", "2020-01-02 10:00:00"), ("$pageview", "2020-01-02 10:05:00"))
    res = data.run(run_funnels, funnel("$pageview", "$pageview"))
    assert counts(res) == [2, 1]
    assert res["results"][1]["average_conversion_time"] == 300


def test_strict_breaks_on_any_other_event(data: Data) -> None:
    data.person("clean")
    data.events("clean", ("a", "2020-01-02 10:00:00"), ("b", "2020-01-02 10:01:00"))
    data.person("broken")
    data.events(
        "broken",
        ("a", "2020-01-02 10:00:00"),
        ("x", "2020-01-02 10:01:00"),
        ("b", "2020-01-02 10:02:00"),
    )
    data.person("retry")
    data.events(
        "retry",
        ("a", "2020-01-02 10:00:00"),
        ("x", "2020-01-02 10:01:00"),
        ("a", "2020-01-02 10:02:00"),
        ("b", "2020-01-02 10:03:00"),
    )
    assert counts(data.run(run_funnels, funnel("a", "b", funnelOrderType="strict"))) == [3, 2]
    assert counts(data.run(run_funnels, funnel("a", "b"))) == [3, 3]


def test_unordered_any_order(data: Data) -> None:
    data.person("p1")
    data.events(
        "p1",
        ("c", "2020-01-02 10:00:00"),
        ("b", "2020-01-02 10:01:00"),
        ("a", "2020-01-02 10:03:00"),
    )
    data.person("p2")
    data.events("p2", ("b", "2020-01-02 10:00:00"))
    data.person("p3")
    data.events("p3", ("c", "2020-01-01 10:00:00"), ("a", "2020-01-20 10:00:00"))
    res = data.run(run_funnels, funnel("a", "b", "c", funnelOrderType="unordered"))
    assert counts(res) == [3, 1, 1]
    assert [s["name"] for s in res["results"]] == [
        "Completed 1 step",
        "Completed 2 steps",
        "Completed 3 steps",
    ]
    assert res["results"][0]["action_id"] is None
    assert res["results"][1]["average_conversion_time"] == 60
    assert res["results"][2]["average_conversion_time"] == 120
    assert counts(data.run(run_funnels, funnel("a", "b", "c"))) == [1, 0, 0]


def test_exclusions(data: Data) -> None:
    data.person("excluded")
    data.events(
        "excluded",
        ("a", "2020-01-02 10:00:00"),
        ("x", "2020-01-02 10:01:00"),
        ("b", "2020-01-02 10:02:00"),
        ("c", "2020-01-02 10:03:00"),
    )
    data.person("after_range")
    data.events(
        "after_range",
        ("a", "2020-01-02 10:00:00"),
        ("b", "2020-01-02 10:01:00"),
        ("x", "2020-01-02 10:02:00"),
        ("c", "2020-01-02 10:03:00"),
    )
    data.person("before_start")
    data.events(
        "before_start",
        ("x", "2020-01-02 09:00:00"),
        ("a", "2020-01-02 10:00:00"),
        ("b", "2020-01-02 10:01:00"),
    )
    data.person("clean_retry")
    data.events(
        "clean_retry",
        ("a", "2020-01-02 10:00:00"),
        ("x", "2020-01-02 10:01:00"),
        ("a", "2020-01-02 10:02:00"),
        ("b", "2020-01-02 10:03:00"),
        ("c", "2020-01-02 10:04:00"),
    )
    data.person("outside_window")
    data.events(
        "outside_window",
        ("a", "2020-01-02 10:00:00"),
        ("x", "2020-01-04 10:00:00"),
        ("b", "2020-01-04 11:00:00"),
    )
    exclusion = {"kind": "EventsNode", "event": "x", "funnelFromStep": 0, "funnelToStep": 1}
    query = funnel("a", "b", "c", exclusions=[exclusion], funnelWindowInterval=1)
    assert counts(data.run(run_funnels, query)) == [4, 3, 2]
    assert counts(data.run(run_funnels, funnel("a", "b", "c", funnelWindowInterval=1))) == [5, 4, 3]


def test_unordered_rejects_partial_exclusions(data: Data) -> None:
    import pytest

    from app.query.base import QueryError

    exclusion = {"kind": "EventsNode", "event": "x", "funnelFromStep": 0, "funnelToStep": 1}
    with pytest.raises(QueryError):
        data.run(
            run_funnels, funnel("a", "b", "c", funnelOrderType="unordered", exclusions=[exclusion])
        )


def _browsers(data: Data) -> None:
    data.person("p1")
    data.events(
        "p1",
        ("a", "2020-01-02 10:00:00", {"$browser": "Chrome"}),
        ("b", "2020-01-02 10:01:00", {"$browser": "Safari"}),
    )
    data.person("p2")
    data.events(
        "p2", ("a", "2020-01-02 10:00:00"), ("b", "2020-01-02 10:01:00", {"$browser": "Firefox"})
    )
    data.person("p3")
    data.events("p3", ("a", "2020-01-02 10:00:00", {"$browser": "Chrome"}))


def _by_value(res: dict[str, Any]) -> list[tuple[Any, list[int]]]:
    return [(steps[0]["breakdown_value"], [s["count"] for s in steps]) for steps in res["results"]]


def test_breakdown_attribution(data: Data) -> None:
    _browsers(data)

    def run(**ff: Any) -> list[tuple[Any, list[int]]]:
        query = funnel("a", "b", **ff)
        query["breakdownFilter"] = {"breakdown": "$browser", "breakdown_type": "event"}
        return _by_value(data.run(run_funnels, query))

    assert run() == [(["Chrome"], [2, 1]), (["Firefox"], [1, 1])]
    assert run(breakdownAttributionType="first_touch") == run()
    assert run(breakdownAttributionType="last_touch") == [
        (["Firefox"], [1, 1]),
        (["Safari"], [1, 1]),
        (["Chrome"], [1, 0]),
    ]
    assert run(breakdownAttributionType="step", breakdownAttributionValue=0) == [
        (["Chrome"], [2, 1]),
        ([""], [1, 1]),
    ]
    # every value is its own funnel over only the events carrying it
    assert run(breakdownAttributionType="all_events") == [(["Chrome"], [2, 0]), ([""], [1, 0])]


def test_breakdown_limit_folds_into_other(data: Data) -> None:
    for i, browser in enumerate(["A", "B", "C"]):
        for j in range(3 - i):
            did = f"{browser}{j}"
            data.person(did)
            data.events(
                did,
                ("a", "2020-01-02 10:00:00", {"$browser": browser}),
                ("b", "2020-01-02 10:01:00"),
            )
    query = funnel("a", "b")
    query["breakdownFilter"] = {"breakdown": "$browser", "breakdown_limit": 1}
    assert _by_value(data.run(run_funnels, query)) == [(["A"], [3, 3]), (["Other"], [3, 3])]


def test_person_property_breakdown(data: Data) -> None:
    data.person("p1", properties={"plan": "pro"})
    data.events("p1", ("a", "2020-01-02 10:00:00"), ("b", "2020-01-02 10:01:00"))
    data.person("p2", properties={"plan": "free"})
    data.events("p2", ("a", "2020-01-02 10:00:00"))
    query = funnel("a", "b")
    query["breakdownFilter"] = {"breakdown": "plan", "breakdown_type": "person"}
    assert _by_value(data.run(run_funnels, query)) == [(["pro"], [1, 1]), (["free"], [1, 0])]


def test_time_to_convert_bins(data: Data) -> None:
    for did, hours in (("p1", 1), ("p2", 2), ("p3", 4)):
        data.person(did)
        data.events(did, ("a", "2020-01-02 10:00:00"), ("b", f"2020-01-02 {10 + hours}:00:00"))
    data.person("dropped")
    data.event("dropped", "a", "2020-01-02 10:00:00")
    res = data.run(run_funnels, funnel("a", "b", funnelVizType="time_to_convert"))
    assert res["results"] == {
        "bins": [[3600, 2], [9000, 0], [14400, 1]],
        "average_conversion_time": 8400,
    }
    res = data.run(run_funnels, funnel("a", "b", funnelVizType="time_to_convert", binCount=4))
    assert res["results"]["bins"] == [[3600, 1], [6300, 1], [9000, 0], [11700, 0], [14400, 1]]


def test_funnel_trends_by_entrance_day(data: Data) -> None:
    data.person("p1")
    data.events("p1", ("a", "2020-01-01 10:00:00"), ("b", "2020-01-01 11:00:00"))
    data.person("p2")
    data.events("p2", ("a", "2020-01-01 12:00:00"))
    data.person("p3")
    data.events("p3", ("a", "2020-01-02 10:00:00"), ("b", "2020-01-04 10:00:00"))
    query = funnel("a", "b", funnelVizType="trends")
    query["dateRange"] = {"date_from": "2020-01-01", "date_to": "2020-01-03"}
    query["interval"] = "day"
    assert data.run(run_funnels, query)["results"] == [
        {
            "count": 3,
            "data": [50.0, 0.0, 0.0],
            "days": ["2020-01-01", "2020-01-02", "2020-01-03"],
            "labels": ["1-Jan-2020", "2-Jan-2020", "3-Jan-2020"],
        }
    ]


def test_first_time_for_user_step_sees_all_distinct_ids(data: Data) -> None:
    data.person("anon1", "user1")
    data.events("anon1", ("$pageview", "2019-12-20 10:00:00"))
    data.events("user1", ("$pageview", "2020-01-02 10:00:00"), ("sign up", "2020-01-03 10:00:00"))
    data.person("p2")
    data.events(
        "p2",
        ("$pageview", "2020-01-02 10:00:00"),
        ("$pageview", "2020-01-02 11:00:00"),
        ("sign up", "2020-01-03 10:00:00"),
    )
    query = funnel("$pageview", "sign up")
    query["series"][0]["math"] = "first_time_for_user"
    res = data.run(run_funnels, query)
    assert counts(res) == [1, 1]
    assert res["results"][1]["average_conversion_time"] == 86400


def test_person_merged_mid_funnel(data: Data) -> None:
    data.person("anon")
    data.person("user")
    data.event("anon", "a", "2020-01-02 10:00:00")
    data.event("user", "b", "2020-01-02 10:10:00")
    assert counts(data.run(run_funnels, funnel("a", "b"))) == [1, 0]
    data.merge("anon", "user")
    assert counts(data.run(run_funnels, funnel("a", "b"))) == [1, 1]


def test_no_entrants_gives_empty_results(data: Data) -> None:
    data.person("p")
    data.event("p", "b", "2020-01-02 10:00:00")
    assert data.run(run_funnels, funnel("a", "b"))["results"] == []


def test_window_is_absolute_seconds_across_dst(make_data: Any) -> None:
    data = make_data("US/Pacific")
    data.person("p1")
    # 23.5 real hours across the spring-forward night (24.5 hours on the wall clock)
    data.events("p1", ("a", "2020-03-07 12:00:00"), ("b", "2020-03-08 12:30:00"))
    query = funnel("a", "b", funnelWindowInterval=1, funnelWindowIntervalUnit="day")
    query["dateRange"] = {"date_from": "2020-03-01", "date_to": "2020-03-10"}
    res = data.run(run_funnels, query, now="2020-03-11T00:00:00Z")
    assert counts(res) == [1, 1]
    assert res["results"][1]["average_conversion_time"] == 23.5 * 3600


def test_global_and_step_property_filters(data: Data) -> None:
    data.person("p1")
    data.events(
        "p1", ("a", "2020-01-02 10:00:00", {"plan": "x"}), ("b", "2020-01-02 10:01:00", {"ok": "1"})
    )
    data.person("p2")
    data.events("p2", ("a", "2020-01-02 10:00:00", {"plan": "y"}), ("b", "2020-01-02 10:01:00"))
    query = funnel("a", "b")
    query["series"][1]["properties"] = [{"key": "ok", "value": "1", "type": "event"}]
    assert counts(data.run(run_funnels, query)) == [2, 1]
    query["properties"] = [{"key": "plan", "value": "y", "operator": "exact", "type": "event"}]
    assert counts(data.run(run_funnels, query)) == [1, 0]


def test_group_aggregation_counts_groups(data: Data) -> None:
    data.person("u1")
    data.person("u2")
    data.person("u3")
    data.event("u1", "a", "2020-01-02 10:00:00", group0="acme")
    data.event("u2", "b", "2020-01-02 11:00:00", group0="acme")
    data.event("u3", "a", "2020-01-02 10:00:00", group0="")
    data.event("u3", "a", "2020-01-02 10:00:00", group0="globex")
    query = funnel("a", "b")
    query["aggregation_group_type_index"] = 0
    # acme converts through two different users; events without a group are dropped
    assert counts(data.run(run_funnels, query)) == [2, 1]
