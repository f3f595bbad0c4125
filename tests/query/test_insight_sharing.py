"""Shared (public) insight links: settings API, the Growth gate, the public JSON endpoint,
and the refresh remapping that keeps shared links from forcing work (spec 3.1)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from rq import SimpleWorker  # noqa: TID251 - tests drain the real queue in-process

from app.entitlements import Edition, EditionGrant, register_edition_resolver
from app.query.base import QueryError
from app.query.execution import shared_mode
from tests.helpers import Account, Api, error
from tests.query.data import Data
from workers import runner
from workers.queues import INSIGHTS

QUERY: dict[str, Any] = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
}


@pytest.mark.parametrize(
    ("refresh", "mode"),
    [
        (None, "lazy_async"),
        ("false", "lazy_async"),
        ("force_cache", "lazy_async"),
        ("true", "blocking"),
        ("force_blocking", "blocking"),
        ("async", "async"),
        ("blocking", "lazy_async"),
        ("force_async", "lazy_async"),
        ("lazy_async", "lazy_async"),
        ("async_except_on_cache_miss", "lazy_async"),
    ],
)
def test_shared_mode_remapping(refresh: str | None, mode: str) -> None:
    assert shared_mode(refresh) == mode


def test_unknown_refresh_is_an_error() -> None:
    with pytest.raises(QueryError):
        shared_mode("sometimes")


@pytest.fixture
def growth(app: Flask) -> Callable[[Account], None]:
    granted: set[uuid.UUID] = set()

    def resolver(org_id: uuid.UUID) -> EditionGrant | None:
        return EditionGrant(Edition.GROWTH, "license", {}) if org_id in granted else None

    with app.app_context():
        register_edition_resolver(resolver)
    return lambda acct: granted.add(uuid.UUID(acct.organization_id))


def drain(app: Flask) -> None:
    runner.use_app(app)
    SimpleWorker([INSIGHTS], connection=app.extensions["redis"]).work(burst=True)


def _insight(app: Flask, api: Api, acct: Account) -> str:
    d = Data(app, acct.project_id).person("a").person("b")
    d.event("$pageview", "a", "2020-01-01T10:00:00").event("$pageview", "b", "2020-01-02T10:00:00")
    d.event("$pageview", "a", "2020-01-03T10:00:00").save()
    created = api.post(acct, f"/api/projects/{acct.project_id}/insights/", {"query": QUERY})
    assert created.status_code == 201, created.get_json()
    return f"/api/projects/{acct.project_id}/insights/{created.get_json()['id']}/"


def test_sharing_settings_and_the_growth_gate(
    app: Flask, api: Api, growth: Callable[[Account], None]
) -> None:
    acct, other = api.signup(), api.signup()
    url = _insight(app, api, acct) + "sharing/"
    first = api.get(acct, url)
    assert first.status_code == 200 and first.get_json()["enabled"] is False
    token = first.get_json()["access_token"]
    assert len(token) >= 40 and api.get(acct, url).get_json()["access_token"] == token
    resp = api.patch(acct, url, {"enabled": True})
    assert resp.status_code == 402 and error(resp)["code"] == "feature_not_in_plan"
    assert api.get(acct, url).get_json()["enabled"] is False
    assert api.call(None, "GET", f"/shared/{token}.json").status_code == 404
    growth(acct)
    assert api.patch(acct, url, {"enabled": "maybe"}).status_code == 400
    assert api.patch(acct, url, {"enabled": True}).get_json()["enabled"] is True
    assert api.call(None, "GET", f"/shared/{token}.json").status_code == 200
    for method in ("GET", "PATCH"):
        assert api.call(other, method, url, json={"enabled": False}).status_code == 404
    rotated = api.post(acct, url + "refresh/").get_json()["access_token"]
    assert rotated != token
    assert api.call(None, "GET", f"/shared/{token}.json").status_code == 404
    assert api.call(None, "GET", f"/shared/{rotated}.json").status_code == 200
    assert api.patch(acct, url, {"enabled": False}).get_json()["enabled"] is False
    assert api.call(None, "GET", f"/shared/{rotated}.json").status_code == 404


def test_public_link_never_forces_work(
    app: Flask, api: Api, growth: Callable[[Account], None]
) -> None:
    acct = api.signup()
    growth(acct)
    insight_url = _insight(app, api, acct)
    token = api.patch(acct, insight_url + "sharing/", {"enabled": True}).get_json()["access_token"]
    public = f"/shared/{token}.json"
    # cache only (absent refresh) becomes lazy_async: a miss enqueues instead of computing
    cold = api.call(None, "GET", public).get_json()["insight"]
    assert cold["result"] is None and cold["query_status"]["complete"] is False
    assert set(cold) >= {"short_id", "name", "query"} and "tags" not in cold
    drain(app)
    warm = api.call(None, "GET", public).get_json()["insight"]
    assert warm["is_cached"] is True and warm["result"][0]["data"] == [1, 1, 1]
    # force_blocking would recompute for a member; on a public link it is "blocking",
    # so the fresh cached result is served
    forced = api.call(None, "GET", public + "?refresh=force_blocking").get_json()["insight"]
    assert forced["is_cached"] is True and forced["last_refresh"] == warm["last_refresh"]
    member = api.get(acct, insight_url + "?refresh=force_blocking").get_json()
    assert member["is_cached"] is False
    bad = api.call(None, "GET", public + "?refresh=sometimes")
    assert bad.status_code == 400 and error(bad)["attr"] == "refresh"
    api.delete(acct, insight_url)
    assert api.call(None, "GET", public).status_code == 404


def test_blocking_refresh_computes_a_missing_result(
    app: Flask, api: Api, growth: Callable[[Account], None]
) -> None:
    acct = api.signup()
    growth(acct)
    insight_url = _insight(app, api, acct)
    token = api.patch(acct, insight_url + "sharing/", {"enabled": True}).get_json()["access_token"]
    got = api.call(None, "GET", f"/shared/{token}.json?refresh=true").get_json()["insight"]
    assert got["is_cached"] is False and got["result"][0]["data"] == [1, 1, 1]


def _dashboard(app: Flask, api: Api, acct: Account) -> tuple[str, str]:
    insight_url = _insight(app, api, acct)
    insight_id = api.get(acct, insight_url).get_json()["id"]
    body = {
        "name": "Weekly",
        "filters": {"date_from": "2020-01-02", "date_to": "2020-01-03"},
        "tiles": [{"insight_id": insight_id}, {"text": "## Notes"}],
    }
    created = api.post(acct, f"/api/projects/{acct.project_id}/dashboards/", body)
    assert created.status_code == 201, created.get_json()
    return f"/api/projects/{acct.project_id}/dashboards/{created.get_json()['id']}/", insight_url


def test_dashboard_links(app: Flask, api: Api, growth: Callable[[Account], None]) -> None:
    acct, other = api.signup(), api.signup()
    dashboard_url, insight_url = _dashboard(app, api, acct)
    url = dashboard_url + "sharing/"
    token = api.get(acct, url).get_json()["access_token"]
    assert api.patch(acct, url, {"enabled": True}).status_code == 402
    assert api.call(None, "GET", f"/shared/{token}.json").status_code == 404
    growth(acct)
    assert api.patch(acct, url, {"enabled": True}).get_json()["enabled"] is True
    # the dashboard's link and its insight's link are separate: one does not open the other
    insight_token = api.get(acct, insight_url + "sharing/").get_json()["access_token"]
    assert insight_token != token
    assert api.call(None, "GET", f"/shared/{insight_token}.json").status_code == 404
    for method in ("GET", "PATCH"):
        assert api.call(other, method, url, json={"enabled": False}).status_code == 404
    assert api.call(other, "POST", url + "refresh/").status_code == 404

    cold = api.call(None, "GET", f"/shared/{token}.json")
    assert cold.status_code == 200
    body = cold.get_json()
    assert body["insight"] is None
    board = body["dashboard"]
    assert board["name"] == "Weekly" and "id" not in board
    chart, note = board["tiles"]
    assert note["insight"] is None and note["text"] == "## Notes"
    # a cold tile is enqueued, never computed for an anonymous viewer
    assert chart["insight"]["result"] is None
    assert chart["insight"]["query_status"]["complete"] is False
    drain(app)
    chart = api.call(None, "GET", f"/shared/{token}.json").get_json()["dashboard"]["tiles"][0]
    # the dashboard's date filter overrides the insight's range, as for members
    assert chart["insight"]["result"][0]["data"] == [1, 1]
    assert chart["insight"]["query"]["dateRange"]["date_from"] == "2020-01-02"

    rotated = api.post(acct, url + "refresh/").get_json()["access_token"]
    assert api.call(None, "GET", f"/shared/{token}.json").status_code == 404
    assert api.call(None, "GET", f"/shared/{rotated}.json").status_code == 200
    api.delete(acct, dashboard_url)
    assert api.call(None, "GET", f"/shared/{rotated}.json").status_code == 404
