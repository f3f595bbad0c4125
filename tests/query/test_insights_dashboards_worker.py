"""Saved insights and dashboards: CRUD, cached results, dashboard filter overrides,
background refresh of tiles, warming of recently viewed insights, cross-tenant 404s."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from rq import SimpleWorker
from sqlalchemy import select

from app.activity.models import ActivityLog
from app.db import get_session
from app.tenancy import unscoped
from tests.helpers import Api, error
from tests.query.data import Data
from workers import runner
from workers.queues import INSIGHTS

QUERY: dict[str, Any] = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
}


def drain(app: Flask) -> None:
    runner.use_app(app)
    SimpleWorker([INSIGHTS], connection=app.extensions["redis"]).work(burst=True)


@pytest.fixture
def acct(app: Flask, api: Api) -> Any:
    account = api.signup()
    d = Data(app, account.project_id).person("a", plan="pro").person("b", plan="free")
    d.event("$pageview", "a", "2020-01-01T10:00:00").event("$pageview", "b", "2020-01-02T10:00:00")
    d.event("$pageview", "a", "2020-01-03T10:00:00").save()
    return account


def base(acct: Any) -> str:
    return f"/api/projects/{acct.project_id}"


def test_insight_crud_and_results(app: Flask, api: Api, acct: Any) -> None:
    created = api.post(
        acct, base(acct) + "/insights/", json={"name": "PV", "query": QUERY, "tags": ["x"]}
    )
    assert created.status_code == 201, created.json
    iid = created.json["id"]
    assert len(created.json["short_id"]) == 8
    url = base(acct) + f"/insights/{iid}/"
    cold = api.get(acct, url)
    assert cold.json["result"] is None and cold.json["is_cached"] is False  # cache only
    fresh = api.get(acct, url + "?refresh=blocking")
    assert fresh.json["result"][0]["data"] == [1, 1, 1]
    assert fresh.json["last_refresh"]
    cached = api.get(acct, url)
    assert cached.json["is_cached"] is True and cached.json["result"][0]["data"] == [1, 1, 1]
    listed = api.get(acct, base(acct) + "/insights/")
    assert listed.json["count"] == 1 and listed.json["results"][0]["result"][0]["count"] == 3
    patched = api.patch(acct, url, json={"name": "Renamed", "favorited": True})
    assert patched.json["name"] == "Renamed" and patched.json["favorited"] is True
    assert api.patch(acct, url, json={"query": {"nokind": 1}}).status_code == 400
    assert api.delete(acct, url).status_code == 204
    assert api.get(acct, url).status_code == 404
    with app.app_context(), unscoped():
        actions = (
            get_session()
            .scalars(select(ActivityLog.action).where(ActivityLog.scope == "Insight"))
            .all()
        )
    assert sorted(actions) == ["created", "deleted", "updated"]


def test_dashboard_filters_override_and_background_refresh(app: Flask, api: Api, acct: Any) -> None:
    iid = api.post(acct, base(acct) + "/insights/", json={"name": "PV", "query": QUERY}).json["id"]
    body = {
        "name": "Main",
        "filters": {
            "date_from": "2020-01-02",
            "date_to": "2020-01-03",
            "properties": [{"key": "plan", "value": "pro", "type": "person"}],
        },
        "tiles": [{"insight_id": iid, "layouts": {"sm": {"x": 0}}}, {"text": "hello"}],
    }
    created = api.post(acct, base(acct) + "/dashboards/", json=body)
    assert created.status_code == 201, created.json
    did = created.json["id"]
    url = base(acct) + f"/dashboards/{did}/"
    first = api.get(acct, url).json
    tile = first["tiles"][0]
    assert tile["result"] is None and tile["query_status"]["complete"] is False
    assert tile["query"]["dateRange"]["date_from"] == "2020-01-02"
    assert first["tiles"][1]["text"] == "hello"
    drain(app)
    second = api.get(acct, url).json["tiles"][0]
    assert second["is_cached"] is True
    assert second["result"][0]["data"] == [0, 1]  # only "a" (pro), within the dashboard range
    # A forced refresh before next_allowed_client_refresh just serves the cache.
    forced = api.get(acct, url + "?refresh=force_blocking").json["tiles"][0]
    assert forced["is_cached"] is True
    assert api.get(acct, url + "?refresh=bogus").status_code == 400
    patched = api.patch(acct, url, json={"name": "Renamed", "tiles": [{"text": "only text"}]})
    assert patched.json["name"] == "Renamed" and len(patched.json["tiles"]) == 1
    bad = api.patch(acct, url, json={"tiles": [{"insight_id": 999999}]})
    assert bad.status_code == 400 and error(bad)["attr"] == "tiles"
    assert api.delete(acct, url).status_code == 204
    assert api.get(acct, url).status_code == 404


def test_warming_refreshes_recently_viewed_stale_insights(app: Flask, api: Api, acct: Any) -> None:
    live = {**QUERY, "dateRange": {"date_from": "-7d"}}
    iid = api.post(acct, base(acct) + "/insights/", json={"name": "live", "query": live}).json["id"]
    url = base(acct) + f"/insights/{iid}/"
    assert api.get(acct, url).json["result"] is None  # viewed, cache miss
    from workers.jobs.insights import warm_insights

    with app.app_context():
        assert warm_insights() == 1
    drain(app)
    assert api.get(acct, url).json["is_cached"] is True
    with app.app_context():
        assert warm_insights() == 0  # fresh now


def test_cross_tenant_ids_are_404(app: Flask, api: Api, acct: Any) -> None:
    iid = api.post(acct, base(acct) + "/insights/", json={"name": "PV", "query": QUERY}).json["id"]
    did = api.post(acct, base(acct) + "/dashboards/", json={"name": "D"}).json["id"]
    other = api.signup()
    for path in (f"/insights/{iid}/", f"/dashboards/{did}/"):
        assert api.get(other, base(acct) + path).status_code == 404
        assert api.get(other, base(other) + path).status_code == 404
        assert api.patch(other, base(other) + path, json={"name": "x"}).status_code == 404
        assert api.delete(other, base(other) + path).status_code == 404
    tiles = {"name": "steal", "tiles": [{"insight_id": iid}]}
    assert api.post(other, base(other) + "/dashboards/", json=tiles).status_code == 400
