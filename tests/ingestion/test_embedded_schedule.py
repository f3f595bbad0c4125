"""The embedded default (no Redis): every scheduled job runs inline without raising."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.helpers import Api
from tests.ingestion.conftest import make_project
from tests.servers import free_port
from workers.schedule import SCHEDULE, due


def test_due_fires_every_entry_without_redis(app_factory: Any) -> None:
    closed = free_port()  # nothing listens here: the telemetry send fails quietly
    app = app_factory(
        REDIS_URL="",
        TELEMETRY_ENABLED=True,
        TELEMETRY_ENDPOINT=f"http://127.0.0.1:{closed}/v1/report",
        TELEMETRY_TIMEOUT_SECONDS=1,
    )
    assert app.extensions["redis"] is None
    proj = make_project(Api(app))
    resp = app.test_client().post(
        "/batch/",
        json={"api_key": proj.token, "batch": [{"event": "e", "distinct_id": "d1"}]},
    )
    assert resp.status_code == 200
    # Sunday 2031-06-01: 03:30 UTC is inside the daily telemetry window, 15:30 UTC inside the
    # weekly one; together the two ticks cover every entry.
    early = datetime(2031, 6, 1, 3, 30, tzinfo=UTC).timestamp()
    late = datetime(2031, 6, 1, 15, 30, tzinfo=UTC).timestamp()
    fired = due(app, early) + due(app, late)
    assert set(fired) == {entry.name for entry in SCHEDULE}
    assert "ingest-reap" in due(app, late + 60)  # the next minute's reap fires again, no-op
