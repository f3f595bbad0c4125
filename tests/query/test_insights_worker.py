"""The insights worker as deployed: `python -m workers insights` runs jobs in its own process
(no fork per job) and stops a running calculation by cancelling its SQL statement."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from rq import SimpleWorker, Worker
from rq.job import Job

from tests.helpers import Api
from tests.query.data import Data, make_project
from workers.worker import InProcessWorker, worker_class

ROOT = Path(__file__).resolve().parents[2]
QUERY: dict[str, Any] = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview", "math": "dau"}],
    "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
}


def _wait(cond: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


@pytest.fixture
def worker(
    app: Flask, database_url: str, redis_url: str, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "TELEMETRY_ENABLED": "false",
    }
    env.pop("WORKER_FORK", None)
    log = (tmp_path / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "workers", "insights"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    yield proc
    log.close()
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture
def project(app: Flask, api: Api) -> tuple[Any, int]:
    acct, pid = make_project(api)
    Data(app, pid).person("a").person("b").event("$pageview", "a", "2020-01-01T10:00:00").event(
        "$pageview", "b", "2020-01-02T10:00:00"
    ).event("$pageview", "a", "2020-01-02T11:00:00").save()
    return acct, pid


def _start(api: Api, acct: Any, pid: int, query: dict[str, Any] = QUERY) -> str:
    resp = api.post(
        acct, f"/api/projects/{pid}/query/", json={"query": query, "refresh": "force_async"}
    )
    assert resp.status_code == 202, resp.json
    return str(resp.json["query_status"]["id"])


def _result(api: Api, acct: Any, pid: int, query_id: str) -> Any:
    def done() -> Any:
        polled = api.get(acct, f"/api/projects/{pid}/query/{query_id}/")
        return polled if polled.status_code != 202 else None

    return _wait(done)


def test_worker_kind_follows_the_queues(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKER_FORK", raising=False)
    assert worker_class(["insights"]) is InProcessWorker
    assert issubclass(InProcessWorker, SimpleWorker)
    assert worker_class(["insights", "ingestion"]) is Worker
    assert worker_class(["billing"]) is Worker
    monkeypatch.setenv("WORKER_FORK", "1")
    assert worker_class(["insights"]) is Worker
    monkeypatch.setenv("WORKER_FORK", "0")
    assert worker_class(["default"]) is InProcessWorker


def test_jobs_run_in_the_worker_process(
    app: Flask, api: Api, project: tuple[Any, int], worker: subprocess.Popen[bytes]
) -> None:
    acct, pid = project
    redis = app.extensions["redis"]
    first = _start(api, acct, pid)
    polled = _result(api, acct, pid, first)
    assert polled.status_code == 200, polled.json
    assert polled.json["query_status"]["results"]["results"][0]["data"] == [1, 2, 0]
    # A second, different calculation is served by the same worker.
    weekly = {**QUERY, "series": [{"kind": "EventsNode", "event": "$pageview"}]}
    second = _start(api, acct, pid, weekly)
    polled = _result(api, acct, pid, second)
    assert polled.json["query_status"]["results"]["results"][0]["data"] == [1, 2, 0]
    names = {Job.fetch(i, connection=redis).worker_name for i in (first, second)}
    assert len(names) == 1


def test_delete_stops_a_running_calculation(
    app: Flask,
    api: Api,
    project: tuple[Any, int],
    worker: subprocess.Popen[bytes],
    database_url: str,
) -> None:
    acct, pid = project
    redis = app.extensions["redis"]
    # Hold the events table so the calculation blocks inside its SQL statement.
    blocker = psycopg.connect(database_url)
    try:
        blocker.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        query_id = _start(api, acct, pid)
        job = Job.fetch(query_id, connection=redis)
        _wait(lambda: job.get_status() == "started")
        time.sleep(0.3)  # inside the statement, waiting for the lock
        deleted = api.delete(acct, f"/api/projects/{pid}/query/{query_id}/")
        assert deleted.status_code == 204
        _wait(lambda: job.get_status() == "stopped", timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    time.sleep(0.2)
    assert api.get(acct, f"/api/projects/{pid}/query/{query_id}/").status_code == 404
    cached = api.post(
        acct, f"/api/projects/{pid}/query/", json={"query": QUERY, "refresh": "force_cache"}
    )
    assert cached.json["results"] is None  # nothing of the stopped calculation was stored
    # The worker survived the stop and serves the next request.
    assert worker.poll() is None
    again = _result(api, acct, pid, _start(api, acct, pid))
    assert again.status_code == 200
    assert again.json["query_status"]["results"]["results"][0]["data"] == [1, 2, 0]
