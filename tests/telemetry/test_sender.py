"""A down, failing or hung endpoint never slows requests; failures are logged, not recorded."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest

from tests.helpers import Api
from tests.telemetry.conftest import Receiver, drain, telemetry_app
from tests.telemetry.test_reports import run_job
from workers import queues
from workers.enqueue import enqueue

PREVIEW = "/api/instance/telemetry/preview/"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_hung_endpoint_does_not_slow_requests(app_factory: Any, receiver: Receiver) -> None:
    receiver.hang = threading.Event()
    app = telemetry_app(app_factory, receiver, TELEMETRY_TIMEOUT_SECONDS=3)
    api = Api(app)
    owner = api.signup()
    with app.app_context():
        enqueue("workers.jobs.telemetry.send_usage_report", queue=queues.DEFAULT)
    timings: list[tuple[float, float, int]] = []  # (started after, took, status)
    started = time.monotonic()

    def requests_while_hung() -> None:
        time.sleep(0.8)  # the job is now waiting on the hung receiver
        for path in (
            "/api/users/@me/",
            "/api/instance/telemetry/preview/",
            "/api/instance/status/",
        ):
            t0 = time.monotonic()
            status = api.get(owner, path).status_code
            timings.append((t0 - started, time.monotonic() - t0, status))

    client = threading.Thread(target=requests_while_hung)
    client.start()
    drain(app)  # RQ needs the main thread; requests run beside it
    took = time.monotonic() - started
    client.join(10)
    assert [status for _, _, status in timings] == [200, 200, 200]
    assert all(at < took for at, _, _ in timings)  # answered while the send was hanging
    assert max(t for _, t, _ in timings) < 1.0
    assert 2.5 < took < 15  # the sender gave up at its 3 s timeout
    preview = api.get(owner, "/api/instance/telemetry/preview/").get_json()
    assert preview["last_sent"]["usage"] is None


def test_down_endpoint_is_logged_and_the_next_period_sends(
    app_factory: Any, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    down = f"http://127.0.0.1:{closed_port()}/v1/report"
    app = app_factory(TELEMETRY_ENABLED=True, TELEMETRY_ENDPOINT=down, TELEMETRY_TIMEOUT_SECONDS=2)
    api = Api(app)
    owner = api.signup()
    with caplog.at_level(logging.WARNING, logger="app.telemetry.sender"):
        run_job(app, "send_usage_report")
    assert "usage report not sent" in caplog.text
    assert (
        api.get(owner, "/api/instance/telemetry/preview/").get_json()["last_sent"]["usage"] is None
    )

    up = app_factory(TELEMETRY_ENABLED=True, TELEMETRY_ENDPOINT=receiver.url)
    run_job(up, "send_usage_report")
    assert len(receiver.reports("usage")) == 1


def test_refused_report_is_not_recorded(app_factory: Any, receiver: Receiver) -> None:
    receiver.status = 500
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    owner = api.signup()
    run_job(app, "send_usage_report")
    assert len(receiver.received) == 1
    assert (
        api.get(owner, "/api/instance/telemetry/preview/").get_json()["last_sent"]["usage"] is None
    )
