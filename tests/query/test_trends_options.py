"""Trends options with exact arrays: breakdowns (Other/null ordering), formulas, compare,
cumulative, weekly active, histogram, cohorts, groups, total-value displays."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.cohorts.models import Cohort, CohortPerson
from app.db import get_session
from app.tenancy import unscoped
from tests.helpers import Api
from tests.query.data import Data, make_project, run

NULL = "$$_posthog_breakdown_null_$$"
OTHER = "$$_posthog_breakdown_other_$$"


@pytest.fixture(scope="module")
def browsers(qapp: Flask, qapi: Api) -> int:
    _, pid = make_project(qapi)
    d = Data(qapp, pid)
    d.person("u1", plan="pro").person("u2", plan="free").person("u3")
    for day, browser, n in [
        ("01", "Chrome", 2), ("02", "Chrome", 1), ("01", "Firefox", 1), ("03", "Firefox", 1),
        ("02", "Safari", 2), ("03", "Edge", 1), ("02", "", 1),
    ]:  # fmt: skip
        for _ in range(n):
            d.event("$pageview", "u1", f"2020-01-{day}T12:00:00", {"$browser": browser})
    d.event("$pageview", "u2", "2020-01-01T12:00:00", {"price": 10})
    d.event("$pageleave", "u2", "2020-01-01T12:00:00", {"price": 20, "$browser": "Chrome"})
    d.event("$pageleave", "u3", "2020-01-02T12:00:00", {"price": 30, "$browser": "Chrome"})
    d.event("$pageleave", "u3", "2020-01-03T12:00:00", {"price": "40", "$browser": "Edge"})
    d.save()
    return pid


def trends(**kw: Any) -> dict[str, Any]:
    return {
        "kind": "TrendsQuery",
        "series": kw.pop("series", [{"event": "$pageview"}]),
        "dateRange": kw.pop("dateRange", {"date_from": "2020-01-01", "date_to": "2020-01-03"}),
        **kw,
    }


def go(app: Flask, pid: int, query: dict[str, Any], now: str = "2020-01-05T00:00:00") -> Any:
    return run(app, pid, query, now)


def rows(res: dict[str, Any]) -> list[tuple[Any, list[Any]]]:
    return [(r.get("breakdown_value"), r["data"]) for r in res["results"]]


def test_breakdown_orders_null_after_real_values(qapp: Flask, browsers: int) -> None:
    res = go(qapp, browsers, trends(breakdownFilter={"breakdown": "$browser"}))
    assert rows(res) == [
        ("Chrome", [2, 1, 0]),
        ("Firefox", [1, 0, 1]),
        ("Safari", [0, 2, 0]),
        ("Edge", [0, 0, 1]),
        (NULL, [1, 1, 0]),
    ]
    assert res["hasMore"] is False
    assert res["results"][0]["label"] == "Chrome"


def test_breakdown_limit_folds_into_other(qapp: Flask, browsers: int) -> None:
    bf = {"breakdown": "$browser", "breakdown_limit": 2}
    res = go(qapp, browsers, trends(breakdownFilter=bf))
    assert rows(res) == [("Chrome", [2, 1, 0]), ("Firefox", [1, 0, 1]), (OTHER, [1, 3, 1])]
    assert res["hasMore"] is True
    bf["breakdown_hide_other_aggregation"] = True
    assert [r[0] for r in rows(go(qapp, browsers, trends(breakdownFilter=bf)))] == [
        "Chrome",
        "Firefox",
    ]


def test_breakdown_ranks_each_series_separately(qapp: Flask, browsers: int) -> None:
    series = [{"event": "$pageview"}, {"event": "$pageleave"}]
    res = go(qapp, browsers, trends(series=series, breakdownFilter={"breakdown": "$browser"}))
    labels = [r["label"] for r in res["results"]]
    assert labels[:5] == [
        "$pageview - Chrome",
        "$pageview - Firefox",
        "$pageview - Safari",
        "$pageview - Edge",
        f"$pageview - {NULL}",
    ]
    assert rows(res)[5:] == [("Chrome", [1, 1, 0]), ("Edge", [0, 0, 1])]


def test_person_breakdown_and_total_value(qapp: Flask, browsers: int) -> None:
    bf = {"breakdown": "plan", "breakdown_type": "person"}
    res = go(qapp, browsers, trends(breakdownFilter=bf, trendsFilter={"display": "ActionsPie"}))
    assert [(r["breakdown_value"], r["aggregated_value"]) for r in res["results"]] == [
        ("pro", 9),
        ("free", 1),
    ]


def test_multiple_breakdowns(qapp: Flask, browsers: int) -> None:
    bf = {"breakdowns": [{"property": "$browser"}, {"property": "plan", "type": "person"}]}
    res = go(qapp, browsers, trends(series=[{"event": "$pageleave"}], breakdownFilter=bf))
    assert [(r["breakdown_value"], r["label"], r["data"]) for r in res["results"]] == [
        (["Chrome", "free"], "Chrome::free", [1, 0, 0]),
        (["Chrome", NULL], f"Chrome::{NULL}", [0, 1, 0]),
        (["Edge", NULL], f"Edge::{NULL}", [0, 0, 1]),
    ]


def test_histogram_breakdown(qapp: Flask, browsers: int) -> None:
    bf = {"breakdown": "price", "breakdown_histogram_bin_count": 2}
    res = go(qapp, browsers, trends(series=[{"event": "$pageleave"}], breakdownFilter=bf))
    assert rows(res) == [("[20,30]", [1, 0, 0]), ("[30,40.01]", [0, 1, 1])]


def test_cohort_filter_and_breakdown(qapp: Flask, browsers: int) -> None:
    with qapp.app_context(), unscoped():
        session = get_session()
        cohort = Cohort(name="pros", project_id=browsers, is_static=True, version=None)
        session.add(cohort)
        session.flush()
        person_id = session.execute(
            __import__("sqlalchemy").text(
                "SELECT person_id FROM person_distinct_ids WHERE distinct_id = 'u3' "
                "AND project_id = :p"
            ),
            {"p": browsers},
        ).scalar_one()
        session.add(CohortPerson(cohort_id=cohort.id, person_id=person_id, project_id=browsers))
        session.commit()
        cid = cohort.id
    flt = [{"type": "cohort", "key": "id", "value": cid}]
    res = go(qapp, browsers, trends(series=[{"event": "$pageleave"}], properties=flt))
    assert rows(res) == [(None, [0, 1, 1])]
    neg = [{"type": "cohort", "key": "id", "value": cid, "operator": "not_in"}]
    res = go(qapp, browsers, trends(series=[{"event": "$pageleave"}], properties=neg))
    assert rows(res) == [(None, [1, 0, 0])]
    bf = {"breakdown": [cid, "all"], "breakdown_type": "cohort"}
    res = go(qapp, browsers, trends(series=[{"event": "$pageleave"}], breakdownFilter=bf))
    assert rows(res) == [(cid, [0, 1, 1]), ("all", [1, 1, 1])]


@pytest.fixture(scope="module")
def timeline(qapp: Flask, qapi: Api) -> int:
    _, pid = make_project(qapi)
    d = Data(qapp, pid)
    d.person("u1").person("u2").person("u3")
    for day, who in [("10", "u1"), ("12", "u1"), ("12", "u2"), ("15", "u1"), ("15", "u3"),
                     ("16", "u2"), ("19", "u3"), ("19", "u3")]:  # fmt: skip
        d.event("$pageview", who, f"2020-01-{day}T12:00:00", groups={0: f"org-{who}"})
    d.event("$pageview", "u1", "2020-01-15T13:00:00", groups={0: "org-u3"})
    d.save()
    return pid


RANGE = {"date_from": "2020-01-15", "date_to": "2020-01-22"}
NOW = "2020-01-25T00:00:00"


def t(app: Flask, pid: int, **kw: Any) -> dict[str, Any]:
    return run(app, pid, trends(dateRange=RANGE, **kw), NOW)


def test_compare_previous_period(qapp: Flask, timeline: int) -> None:
    res = t(qapp, timeline, compareFilter={"compare": True})["results"]
    assert [(r["compare_label"], r["data"]) for r in res] == [
        ("current", [3, 1, 0, 0, 2, 0, 0, 0]),
        ("previous", [0, 0, 0, 1, 0, 2, 0, 0]),
    ]
    assert res[1]["days"][0] == "2020-01-07"
    res = t(qapp, timeline, compareFilter={"compare": True, "compare_to": "-1w"})["results"]
    assert res[1]["data"] == [0, 0, 1, 0, 2, 0, 0, 3]


def test_cumulative_counts_unique_actors_once(qapp: Flask, timeline: int) -> None:
    tf = {"display": "ActionsLineGraphCumulative"}
    res = t(qapp, timeline, series=[{"event": "$pageview", "math": "dau"}], trendsFilter=tf)
    assert res["results"][0]["data"] == [2, 3, 3, 3, 3, 3, 3, 3]
    assert res["results"][0]["count"] == 3
    res = t(qapp, timeline, trendsFilter=tf)
    assert res["results"][0]["data"] == [3, 4, 4, 4, 6, 6, 6, 6]


def test_weekly_and_monthly_active(qapp: Flask, timeline: int) -> None:
    res = t(qapp, timeline, series=[{"event": "$pageview", "math": "weekly_active"}])
    assert res["results"][0]["data"] == [3, 3, 3, 3, 3, 3, 3, 2]
    res = t(
        qapp,
        timeline,
        series=[{"event": "$pageview", "math": "weekly_active"}],
        trendsFilter={"display": "BoldNumber"},
    )
    assert res["results"][0]["aggregated_value"] == 2
    res = t(qapp, timeline, series=[{"event": "$pageview", "math": "monthly_active"}])
    assert res["results"][0]["data"] == [3] * 8


def test_unique_group_math(qapp: Flask, timeline: int) -> None:
    series = [{"event": "$pageview", "math": "unique_group", "math_group_type_index": 0}]
    assert t(qapp, timeline, series=series)["results"][0]["data"] == [2, 1, 0, 0, 1, 0, 0, 0]


def test_formulas(qapp: Flask, timeline: int) -> None:
    series = [{"event": "$pageview"}, {"event": "$pageview", "math": "dau"}]
    res = t(qapp, timeline, series=series, trendsFilter={"formula": "A/B"})["results"]
    assert len(res) == 1
    assert res[0]["data"] == [1.5, 1.0, 0, 0, 2.0, 0, 0, 0]
    assert res[0]["label"] == "Formula (A/B)"
    assert res[0]["action"] is None
    tf = {"formulaNodes": [{"formula": "A - 2 * B", "custom_name": "diff"}, {"formula": "B"}]}
    res = t(qapp, timeline, series=series, trendsFilter=tf)["results"]
    assert [(r["label"], r["data"][:2]) for r in res] == [
        ("diff", [-1.0, -1.0]),
        ("Formula (B)", [2.0, 1.0]),
    ]


@pytest.mark.parametrize("bad", ["A; import os", "__import__('os')", "A.__class__", "Z", "A +"])
def test_formula_rejects_anything_but_arithmetic(qapp: Flask, timeline: int, bad: str) -> None:
    from app.query.base import QueryError

    with pytest.raises(QueryError):
        t(qapp, timeline, trendsFilter={"formula": bad})


def test_smoothing(qapp: Flask, timeline: int) -> None:
    res = t(qapp, timeline, trendsFilter={"smoothingIntervals": 2})
    assert res["results"][0]["data"] == [3, 2, 0, 0, 1, 1, 0, 0]


def test_first_time_for_user(qapp: Flask, timeline: int) -> None:
    series = [{"event": "$pageview", "math": "first_time_for_user"}]
    assert t(qapp, timeline, series=series)["results"][0]["data"] == [1, 0, 0, 0, 0, 0, 0, 0]
