"""Fixtures for the insight-kind tests: a project filled through tests/query_kinds/data.py."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.query_kinds.data import Data


@pytest.fixture
def data(app: Flask) -> Data:
    return Data(app)


@pytest.fixture
def make_data(app: Flask) -> Any:
    def build(timezone: str = "UTC", week_start_day: int = 0) -> Data:
        return Data(app, timezone, week_start_day)

    return build


@pytest.fixture
def drain(app: Flask) -> Any:
    """Run every queued job with a real RQ worker, in-process (burst)."""
    from rq import Queue, SimpleWorker  # noqa: TID251 - tests drain the real queues in-process

    from workers.queues import ALL_QUEUES
    from workers.runner import use_app

    use_app(app)
    redis = app.extensions["redis"]

    def run() -> None:
        queues = [Queue(name, connection=redis) for name in ALL_QUEUES]
        SimpleWorker(queues, connection=redis).work(burst=True)

    return run
