"""The insight kinds through POST /api/projects/<id>/query/ (blocking and async with a worker)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask

from tests.helpers import Account, Api
from tests.query_kinds.data import Data

RANGE = {"date_from": "2020-01-01", "date_to": "2020-01-04"}


def _setup(app: Flask, api: Api) -> tuple[Account, Data]:
    acct = api.signup()
    data = Data(app, existing=(uuid.UUID(acct.organization_id), acct.project_id))
    data.person("p1", created_at="2020-01-01 09:00:00")
    data.event("p1", "$pageview", "2020-01-01 10:00:00", {"$current_url": "https://x.com/"})
    data.event("p1", "$pageview", "2020-01-02 10:00:00", {"$current_url": "https://x.com/a"})
    data.event("p1", "sign up", "2020-01-02 10:30:00")
    data.person("p2", created_at="2020-01-01 09:00:00")
    data.event("p2", "$pageview", "2020-01-01 10:00:00", {"$current_url": "https://x.com/"})
    return acct, data


def post(api: Api, acct: Account, query: dict[str, Any], refresh: str = "blocking") -> Any:
    return api.post(
        acct, f"/api/projects/{acct.project_id}/query/", {"query": query, "refresh": refresh}
    )


def test_every_kind_through_the_api(app: Flask, api: Api) -> None:
    acct, _ = _setup(app, api)
    events = [{"kind": "EventsNode", "event": "$pageview"}]
    funnel = {
        "kind": "FunnelsQuery",
        "dateRange": RANGE,
        "series": [*events, {"kind": "EventsNode", "event": "sign up"}],
    }
    resp = post(api, acct, funnel)
    assert resp.status_code == 200, resp.get_json()
    assert [s["count"] for s in resp.get_json()["results"]] == [2, 1]
    retention = {
        "kind": "RetentionQuery",
        "dateRange": {"date_to": "2020-01-03"},
        "retentionFilter": {"totalIntervals": 3},
    }
    rows = post(api, acct, retention).get_json()["results"]
    assert [[v["count"] for v in r["values"]] for r in rows] == [[2, 1, 0], [1, 0, 0], [0, 0, 0]]
    sticky = {"kind": "StickinessQuery", "series": events, "dateRange": RANGE}
    assert post(api, acct, sticky).get_json()["results"][0]["data"] == [1, 1, 0, 0]
    lifecycle = {"kind": "LifecycleQuery", "series": events, "dateRange": RANGE}
    body = post(api, acct, lifecycle).get_json()["results"]
    assert [r["data"] for r in body] == [
        [2.0, 0, 0, 0],
        [0, 1.0, 0, 0],
        [0, 0, 0, 0],
        [0, -1.0, -1.0, 0],
    ]
    paths = {
        "kind": "PathsQuery",
        "dateRange": RANGE,
        "pathsFilter": {"includeEventTypes": ["$pageview"]},
    }
    # p1's two pageviews are a day apart: two sessions, so no edge
    assert post(api, acct, paths).get_json()["results"] == []


def test_async_funnel_with_a_worker(app: Flask, api: Api, drain: Any) -> None:
    acct, _ = _setup(app, api)
    funnel = {
        "kind": "FunnelsQuery",
        "dateRange": RANGE,
        "series": [
            {"kind": "EventsNode", "event": "$pageview"},
            {"kind": "EventsNode", "event": "sign up"},
        ],
        "funnelsFilter": {"funnelVizType": "time_to_convert"},
    }
    resp = post(api, acct, funnel, refresh="force_async")
    assert resp.status_code == 202, resp.get_json()
    query_id = resp.get_json()["query_status"]["id"]
    drain()
    polled = api.get(acct, f"/api/projects/{acct.project_id}/query/{query_id}/")
    assert polled.status_code == 200, polled.get_json()
    results = polled.get_json()["query_status"]["results"]["results"]
    assert results == {"bins": [[1800, 1], [1860, 0]], "average_conversion_time": 1800}
    cached = post(api, acct, funnel, refresh="blocking").get_json()
    assert cached["is_cached"] is True


def test_bad_kind_options_are_400(app: Flask, api: Api) -> None:
    acct, _ = _setup(app, api)
    bad = {"kind": "FunnelsQuery", "series": [{"kind": "EventsNode", "event": "a"}]}
    assert post(api, acct, bad).status_code == 400
    bad_period = {"kind": "RetentionQuery", "retentionFilter": {"period": "Fortnight"}}
    assert post(api, acct, bad_period).status_code == 400
