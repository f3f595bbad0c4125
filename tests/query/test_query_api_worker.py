"""The query API end to end: refresh modes, cache, async with a real RQ worker, cancel,
cross-tenant 404, and trends on the embedded SQLite default."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from rq import SimpleWorker
from rq.job import Job, JobStatus

from app.query.cache import bump_data_version
from tests.helpers import Api, error
from tests.query.data import Data, make_project
from workers import runner
from workers.queues import INSIGHTS

QUERY: dict[str, Any] = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
    "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
}


@pytest.fixture
def setup(app: Flask, api: Api) -> tuple[Any, int]:
    acct, pid = make_project(api)
    pid = acct.project_id
    Data(app, pid).person("a").person("b").event("$pageview", "a", "2020-01-01T10:00:00").event(
        "$pageview", "b", "2020-01-02T10:00:00"
    ).event("$pageview", "a", "2020-01-02T11:00:00").save()
    return acct, pid


def post(api: Api, acct: Any, pid: int, **body: Any) -> Any:
    return api.post(acct, f"/api/projects/{pid}/query/", json={"query": QUERY, **body})


def drain(app: Flask) -> None:
    runner.use_app(app)
    SimpleWorker([INSIGHTS], connection=app.extensions["redis"]).work(burst=True)


def test_blocking_then_cached(api: Api, setup: tuple[Any, int]) -> None:
    acct, pid = setup
    first = post(api, acct, pid)
    assert first.status_code == 200, first.json
    assert first.json["results"][0]["data"] == [1, 2, 0]
    assert first.json["is_cached"] is False
    assert first.json["last_refresh"]
    assert first.json["next_allowed_client_refresh"] > first.json["last_refresh"]
    second = post(api, acct, pid)
    assert second.json["is_cached"] is True
    assert second.json["cache_key"] == first.json["cache_key"]
    assert post(api, acct, pid, refresh="force_blocking").json["is_cached"] is False


def test_cache_only_and_data_version(app: Flask, api: Api, setup: tuple[Any, int]) -> None:
    acct, pid = setup
    miss = post(api, acct, pid, refresh="force_cache")
    assert miss.status_code == 200 and miss.json["results"] is None
    post(api, acct, pid)
    assert post(api, acct, pid, refresh="force_cache").json["is_cached"] is True
    # A fully past range never goes stale, even when new data arrives.
    with app.app_context():
        bump_data_version(pid)
    assert post(api, acct, pid).json["is_cached"] is True
    live = {**QUERY, "dateRange": {"date_from": "-7d"}}
    assert (
        api.post(acct, f"/api/projects/{pid}/query/", json={"query": live}).json["is_cached"]
        is False
    )
    assert (
        api.post(acct, f"/api/projects/{pid}/query/", json={"query": live}).json["is_cached"]
        is True
    )
    with app.app_context():
        bump_data_version(pid)
    again = api.post(acct, f"/api/projects/{pid}/query/", json={"query": live})
    assert again.json["is_cached"] is False


def test_async_poll_join_and_cache_hit(app: Flask, api: Api, setup: tuple[Any, int]) -> None:
    acct, pid = setup
    first = post(api, acct, pid, refresh="async")
    assert first.status_code == 202
    query_id = first.json["query_status"]["id"]
    second = post(api, acct, pid, refresh="async")
    assert second.status_code == 202 and second.json["query_status"]["id"] == query_id
    job = Job.fetch(query_id, connection=app.extensions["redis"])
    assert job.origin == INSIGHTS
    assert api.get(acct, f"/api/projects/{pid}/query/{query_id}/").status_code == 202
    drain(app)
    done = api.get(acct, f"/api/projects/{pid}/query/{query_id}/")
    assert done.status_code == 200
    assert done.json["query_status"]["complete"] is True
    assert done.json["query_status"]["results"]["results"][0]["data"] == [1, 2, 0]
    hit = post(api, acct, pid, refresh="async")
    assert hit.status_code == 200 and hit.json["is_cached"] is True


def test_new_calculation_is_not_swallowed_by_a_finalising_job(
    app: Flask, api: Api, setup: tuple[Any, int]
) -> None:
    acct, pid = setup
    query_id = post(api, acct, pid, refresh="force_async").json["query_status"]["id"]
    drain(app)
    # RQ marks a job finished only after the function returned and the status was written.
    Job.fetch(query_id, connection=app.extensions["redis"]).set_status(JobStatus.STARTED)
    again = post(api, acct, pid, refresh="force_async").json["query_status"]
    assert again["complete"] is False and again["task_id"] != query_id
    drain(app)
    done = api.get(acct, f"/api/projects/{pid}/query/{query_id}/")
    assert done.status_code == 200 and done.json["query_status"]["complete"] is True


def test_async_user_error_is_400(app: Flask, api: Api, setup: tuple[Any, int]) -> None:
    acct, pid = setup
    bad = {**QUERY, "series": [{"event": "$pageview", "math": "sum"}]}  # no math_property
    resp = api.post(acct, f"/api/projects/{pid}/query/", json={"query": bad, "refresh": "async"})
    assert resp.status_code == 202
    drain(app)
    polled = api.get(acct, f"/api/projects/{pid}/query/{resp.json['query_status']['id']}/")
    assert polled.status_code == 400
    assert "math_property" in error(polled)["detail"]


def test_cancel(app: Flask, api: Api, setup: tuple[Any, int]) -> None:
    acct, pid = setup
    query_id = post(api, acct, pid, refresh="force_async").json["query_status"]["id"]
    assert api.delete(acct, f"/api/projects/{pid}/query/{query_id}/").status_code == 204
    job = Job.fetch(query_id, connection=app.extensions["redis"])
    assert job.get_status() == "canceled"
    assert api.get(acct, f"/api/projects/{pid}/query/{query_id}/").status_code == 404
    assert api.delete(acct, f"/api/projects/{pid}/query/{query_id}/").status_code == 404


def test_errors_and_cross_tenant(app: Flask, api: Api, setup: tuple[Any, int]) -> None:
    acct, pid = setup
    resp = api.post(acct, f"/api/projects/{pid}/query/", json={"query": {"kind": "Nope"}})
    assert resp.status_code == 400 and error(resp)["attr"] == "query"
    resp = post(api, acct, pid, refresh="sometimes")
    assert resp.status_code == 400
    query_id = post(api, acct, pid, refresh="force_async").json["query_status"]["id"]
    other = api.signup()
    assert post(api, other, pid).status_code == 404
    assert api.get(other, f"/api/projects/{pid}/query/{query_id}/").status_code == 404
    assert api.delete(other, f"/api/projects/{pid}/query/{query_id}/").status_code == 404
    assert api.get(other, f"/api/projects/{other.project_id}/query/{query_id}/").status_code == 404


def test_personal_key_needs_query_scope(api: Api, setup: tuple[Any, int]) -> None:
    acct, pid = setup
    key = api.create_key(acct, scopes=["query:read"])
    assert post(api, key, pid).status_code == 403
    key = api.create_key(acct, scopes=["query:write"])
    assert post(api, key, pid).status_code == 200


def test_trends_on_embedded_sqlite(app: Flask, app_factory: Any, tmp_path: Any) -> None:
    # `app` is built first so the fixture's cleanup truncates Postgres, not this SQLite file.
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path}/burrow.db"
    cfg = Config("alembic.ini")
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "heads")
    app = app_factory(DATABASE_URL=url, REDIS_URL="")
    api = Api(app)
    acct = api.signup()
    Data(app, acct.project_id).person("a").event("$pageview", "a", "2020-01-01T10:00:00").event(
        "$pageview", "a", "2020-01-03T10:00:00", {"$browser": "Chrome"}
    ).save()
    body = {"query": {**QUERY, "breakdownFilter": {"breakdown": "$browser"}}, "refresh": "async"}
    resp = api.post(acct, f"/api/projects/{acct.project_id}/query/", json=body)
    assert resp.status_code == 200, resp.json
    assert [(r["breakdown_value"], r["data"]) for r in resp.json["results"]] == [
        ("Chrome", [0, 0, 1]),
        ("$$_posthog_breakdown_null_$$", [1, 0, 0]),
    ]
    assert api.post(acct, f"/api/projects/{acct.project_id}/query/", json=body).json["is_cached"]


_ = threading
