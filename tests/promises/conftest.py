"""Helpers for the promise tests: capture through the real endpoint, drain with a real worker."""

from __future__ import annotations

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker  # noqa: TID251 - tests drain jobs with a real RQ worker
from werkzeug.test import TestResponse

from app.db import get_session
from app.projects.models import Project
from app.tenancy import unscoped
from tests.helpers import Account
from workers import runner
from workers.queues import ALL_QUEUES


def capture_batch(app: Flask, acct: Account, distinct_ids: list[str]) -> TestResponse:
    """One /batch/ request with an event per distinct id, keyed by the project's public token."""
    with app.app_context(), unscoped():
        token = get_session().get(Project, acct.project_id).api_token  # type: ignore[union-attr]
    body = {
        "api_key": token,
        "batch": [
            {"event": "signed_up", "distinct_id": d, "properties": {"plan": "free"}}
            for d in distinct_ids
        ],
    }
    return app.test_client().post("/batch/", json=body)


def drain(app: Flask) -> None:
    """Run every queued job (ingestion drains included) with a real RQ worker, in-process."""
    runner.use_app(app)
    redis: Redis = app.extensions["redis"]
    SimpleWorker([Queue(n, connection=redis) for n in ALL_QUEUES], connection=redis).work(
        burst=True
    )
