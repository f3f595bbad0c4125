"""Ingestion tells readers about new data: insight caches of live ranges and flag definitions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from tests.helpers import Api
from tests.ingestion.conftest import Proj, drain, make_project

LIVE_TRENDS: dict[str, Any] = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "-7d"},
    "interval": "day",
}


def _capture(app: Flask, proj: Proj, events: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC).isoformat()
    batch = [{"uuid": str(uuid.uuid4()), "timestamp": now, **e} for e in events]
    resp = app.test_client().post("/batch/", json={"api_key": proj.token, "batch": batch})
    assert resp.status_code == 200, resp.get_json()
    drain(app)  # a no-op on the embedded default: capture stored the batch already


def _trends(api: Api, proj: Proj, refresh: str = "blocking") -> dict[str, Any]:
    resp = api.post(
        proj.account,
        f"/api/projects/{proj.project_id}/query/",
        json={"query": LIVE_TRENDS, "refresh": refresh},
    )
    assert resp.status_code == 200, resp.get_json()
    body: dict[str, Any] = resp.get_json()
    return body


def _total(body: dict[str, Any]) -> int:
    return int(sum(body["results"][0]["data"]))


@pytest.mark.parametrize("redis", [True, False], ids=["redis", "embedded"])
def test_new_events_make_cached_live_trends_stale(app_factory: Any, redis: bool) -> None:
    app = app_factory() if redis else app_factory(REDIS_URL="")
    api = Api(app)
    proj = make_project(api)
    _capture(app, proj, [{"event": "$pageview", "distinct_id": "a"}])
    first = _trends(api, proj)
    assert first["is_cached"] is False and _total(first) == 1
    cached = _trends(api, proj)
    assert cached["is_cached"] is True and _total(cached) == 1
    _capture(app, proj, [{"event": "$pageview", "distinct_id": "b"}] * 2)
    fresh = _trends(api, proj)
    assert fresh["is_cached"] is False and _total(fresh) == 3
    assert _trends(api, proj)["is_cached"] is True


def test_new_group_type_changes_local_evaluation_etag(app: Flask, api: Api) -> None:
    proj = make_project(api)
    key = api.create_key(proj.account, scopes=["feature_flag:read"])
    path = f"/flags/definitions?token={proj.token}&send_cohorts"
    first = api.get(key, path)
    assert first.status_code == 200 and first.get_json()["group_type_mapping"] == {}
    etag = first.headers["ETag"]
    _capture(app, proj, [{"event": "e", "distinct_id": "a", "properties": {"$groups": {}}}])
    assert api.get(key, path, headers={"If-None-Match": etag}).status_code == 304
    groups = {"$groups": {"company": "acme"}}
    _capture(app, proj, [{"event": "e", "distinct_id": "a", "properties": groups}])
    changed = api.get(key, path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["group_type_mapping"] == {"0": "company"}
