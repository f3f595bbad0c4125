"""Session properties in trends: filters, session-property math (one value per session) and
session breakdowns, computed from the events of each `$session_id`."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.query.base import QueryError
from tests.helpers import Api
from tests.query.data import Data, make_project, run

NOW = "2020-01-10T00:00:00"
RANGE = {"date_from": "2020-01-02", "date_to": "2020-01-03"}


@pytest.fixture(scope="module")
def pid(qapp: Flask, qapi: Api) -> int:
    _acct, project_id = make_project(qapi)
    d = Data(qapp, project_id)
    d.person("u1").person("u2")

    def pv(did: str, ts: str, session: str | None, url: str, **extra: Any) -> None:
        props = {"$current_url": url, "$pathname": url.split(".com", 1)[1], **extra}
        if session:
            props["$session_id"] = session
        d.event("$pageview", did, ts, props)

    # s1: 10 minutes, 3 pageviews, entry /a, exit /c; its first event is the day before the
    # range, so the day of slack is what finds its entry page.
    pv("u1", "2020-01-01T23:55:00", "s1", "https://x.com/a", utm_source="ads")
    pv("u1", "2020-01-02T00:00:00", "s1", "https://x.com/b")
    pv("u1", "2020-01-02T00:05:00", "s1", "https://x.com/c")
    # s2: a bounce, 0 seconds, one pageview.
    pv("u2", "2020-01-02T12:00:00", "s2", "https://x.com/a")
    # s3: 120 s, 2 pageviews + an autocapture.
    pv("u2", "2020-01-03T08:00:00", "s3", "https://x.com/b")
    d.event("$autocapture", "u2", "2020-01-03T08:01:00", {"$session_id": "s3"})
    pv("u2", "2020-01-03T08:02:00", "s3", "https://x.com/d")
    # No session at all.
    pv("u2", "2020-01-03T09:00:00", None, "https://x.com/z")
    d.save()
    return project_id


def trend(app: Flask, pid: int, series: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    query = {"kind": "TrendsQuery", "series": [series], "dateRange": RANGE, **extra}
    results: list[dict[str, Any]] = run(app, pid, query, NOW)["results"]
    return results


def session_filter(key: str, operator: str, value: Any) -> list[dict[str, Any]]:
    return [{"type": "session", "key": key, "operator": operator, "value": value}]


def test_filter_on_session_duration_and_entry(qapp: Flask, pid: int) -> None:
    pageviews = {"event": "$pageview"}
    long = trend(qapp, pid, pageviews, properties=session_filter("$session_duration", "gt", 60))
    assert long[0]["data"] == [2, 2]  # s1's pageviews in range (day 2) and s3's (day 3)
    entry = trend(qapp, pid, pageviews, properties=session_filter("$entry_pathname", "exact", "/a"))
    assert entry[0]["data"] == [3, 0]  # s1's two in-range pageviews + s2
    utm = session_filter("$entry_utm_source", "exact", "ads")
    assert trend(qapp, pid, pageviews, properties=utm)[0]["count"] == 2
    count = session_filter("$pageview_count", "exact", 1)
    assert trend(qapp, pid, pageviews, properties=count)[0]["count"] == 1  # s2 only


def test_session_math_counts_each_session_once(qapp: Flask, pid: int) -> None:
    series = {
        "event": "$pageview",
        "math": "avg",
        "math_property": "$session_duration",
        "math_property_type": "session_properties",
    }
    bold = {"display": "BoldNumber"}
    total = trend(qapp, pid, series, trendsFilter=bold)[0]["aggregated_value"]
    assert total == pytest.approx((600 + 0 + 120) / 3)  # per session, not per event
    per_day = trend(qapp, pid, series)[0]["data"]
    assert per_day == [pytest.approx(300), 120]
    series_max = {**series, "math": "max", "math_property": "$autocapture_count"}
    assert trend(qapp, pid, series_max, trendsFilter=bold)[0]["aggregated_value"] == 1


def test_session_breakdown(qapp: Flask, pid: int) -> None:
    rows = trend(
        qapp,
        pid,
        {"event": "$pageview"},
        breakdownFilter={"breakdown_type": "session", "breakdown": "$exit_pathname"},
    )
    got = {r["breakdown_value"]: r["count"] for r in rows}
    assert got == {"/c": 2, "/a": 1, "/d": 2, "$$_posthog_breakdown_null_$$": 1}


def test_session_properties_outside_trends_are_rejected(qapp: Flask, pid: int) -> None:
    query = {
        "kind": "FunnelsQuery",
        "series": [{"event": "$pageview"}, {"event": "$pageview"}],
        "properties": session_filter("$session_duration", "gt", 1),
        "dateRange": RANGE,
    }
    with pytest.raises(QueryError):
        run(qapp, pid, query, NOW)
