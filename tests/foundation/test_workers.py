"""Jobs through real Redis and a real RQ worker: tenant scope per job, dedupe by job id."""

import uuid

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker

from workers import runner
from workers.enqueue import enqueue, queue_depths
from workers.queues import ALL_QUEUES


def _drain(app: Flask, name: str) -> None:
    runner.use_app(app)
    redis: Redis = app.extensions["redis"]
    SimpleWorker([Queue(name, connection=redis)], connection=redis).work(burst=True)


def test_job_runs_in_its_tenant_scope(app: Flask) -> None:
    org = uuid.uuid4()
    with app.app_context():
        queued = enqueue(
            "tests.foundation.jobs.scope_of", queue="default", organization_id=org, project_id=7
        )
        assert not queued.inline
        assert queue_depths()["default"] == 1
    _drain(app, "default")
    job = Queue("default", connection=app.extensions["redis"]).fetch_job(queued.job_id)
    assert job.return_value() == f"{org}:7"


def test_same_job_id_is_enqueued_once_while_pending(app: Flask) -> None:
    with app.app_context():
        first = enqueue("tests.foundation.jobs.echo", queue="insights", job_id="same", value=1)
        second = enqueue("tests.foundation.jobs.echo", queue="insights", job_id="same", value=1)
        assert first.job_id == second.job_id == "same"
        assert queue_depths()["insights"] == 1


def test_unknown_queue_is_refused(app: Flask) -> None:
    import pytest

    with app.app_context(), pytest.raises(ValueError):
        enqueue("tests.foundation.jobs.echo", queue="nope", value=1)
    assert set(ALL_QUEUES) == {"ingestion", "insights", "billing", "default"}


def test_worker_cli_refuses_unknown_queue() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "workers", "bogus"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "unknown queue" in done.stderr
