"""Nothing lost, nothing doubled: a SIGKILLed worker, a Postgres restart, no Redis at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from redis import Redis
from sqlalchemy import func, select

from app.db import get_session
from app.events.models import Event
from app.ingestion import queue
from app.persons.models import PersonDistinctId
from app.tenancy import unscoped
from tests.ingestion.conftest import Proj, drain, event_count, person_of

ROOT = Path(__file__).resolve().parents[2]


def _batches(proj: Proj, n: int, size: int) -> list[dict[str, Any]]:
    return [
        {
            "api_key": proj.token,
            "batch": [
                {
                    "event": "$pageview",
                    "distinct_id": f"user-{(b * size + i) % 300}",
                    "uuid": str(uuid.uuid4()),
                    "properties": {"$current_url": f"/p/{i}", "$set": {"seen": b}},
                }
                for i in range(size)
            ],
        }
        for b in range(n)
    ]


def _post_all(app: Flask, batches: list[dict[str, Any]]) -> None:
    client = app.test_client()
    for body in batches:
        assert client.post("/batch/", json=body).status_code == 200


def _worker(database_url: str, redis_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "INGEST_HEARTBEAT_SECONDS": "2",
        "INGESTION_QUEUE_BATCH": "500",
        "TELEMETRY_ENABLED": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "workers", "ingestion"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(cond: Any, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return False


def _in_flight(redis: Redis[bytes]) -> int:
    return sum(int(redis.llen(k)) for k in redis.scan_iter(f"{queue.PREFIX}:processing:*"))


def test_sigkill_worker_mid_batch_loses_and_doubles_nothing(
    app: Flask, proj: Proj, database_url: str, redis_url: str
) -> None:
    redis: Redis[bytes] = app.extensions["redis"]
    batches = _batches(proj, 40, 250)
    _post_all(app, batches)
    total = sum(len(b["batch"]) for b in batches)
    first = _worker(database_url, redis_url)
    try:
        started = _wait(lambda: event_count(app, proj.project_id) > 0 and _in_flight(redis), 60)
        assert started, "the worker never got going"
        os.killpg(first.pid, signal.SIGKILL)  # the RQ parent and its work horse
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    stored_at_kill = event_count(app, proj.project_id)
    assert 0 < stored_at_kill < total
    assert _in_flight(redis) > 0  # a chunk was taken but never acknowledged
    time.sleep(2.5)  # the dead consumer's heartbeat expires
    second = _worker(database_url, redis_url)
    try:
        with app.app_context():
            from app.ingestion.service import kick_drain

            redis.delete(queue.KICK)
            kick_drain()
        assert _wait(lambda: event_count(app, proj.project_id) >= total, 90, 0.2)
        assert _wait(lambda: queue.depth(redis) == 0 and not _in_flight(redis), 30, 0.2)
    finally:
        second.terminate()
        second.wait(20)
    assert event_count(app, proj.project_id) == total
    with app.app_context(), unscoped():
        ids = get_session().scalar(
            select(func.count(func.distinct(PersonDistinctId.person_id))).where(
                PersonDistinctId.project_id == proj.project_id
            )
        )
    assert ids == 300


def _restart_postgres(server_url: str) -> None:
    """A real restart of the test Postgres (pg_ctl restart keeps its port and options)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]  # type: ignore[index]
    from tests.servers import _as_postgres, _pg_bin

    log = os.path.join(os.path.dirname(data_dir), "log")
    subprocess.run(
        _as_postgres([_pg_bin("pg_ctl"), "-D", data_dir, "-l", log, "-m", "fast", "-w", "restart"]),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )


def test_postgres_restart_during_ingestion(
    app: Flask, proj: Proj, pg_server: str, database_url: str
) -> None:
    batches = _batches(proj, 30, 200)
    _post_all(app, batches)
    total = sum(len(b["batch"]) for b in batches)
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["stored"] = drain(app)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    assert _wait(lambda: event_count(app, proj.project_id) > 0, 60)
    if os.environ.get("DATABASE_URL"):
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    else:
        _restart_postgres(pg_server)
    thread.join(120)
    assert "error" not in result, result
    drain(app)
    assert event_count(app, proj.project_id) == total
    assert person_of(app, proj.project_id, "user-7") is not None


def test_embedded_mode_without_redis_processes_before_answering(
    app_factory: Any, proj: Proj
) -> None:
    inline = app_factory(REDIS_URL="")
    body = {"api_key": proj.token, "batch": [{"event": "now", "distinct_id": "i1"}]}
    resp = inline.test_client().post("/batch/", json=body)
    assert resp.status_code == 200
    assert event_count(inline, proj.project_id) == 1  # stored before the 200
    with inline.app_context(), unscoped():
        (event,) = get_session().scalars(select(Event).where(Event.project_id == proj.project_id))
    assert event.person_id is not None
