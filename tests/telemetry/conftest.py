"""A local HTTP receiver standing in for Burrow's telemetry endpoint, and a burst-worker drain."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker  # noqa: TID251 - tests drain jobs with a real RQ worker

from workers import runner
from workers.queues import ALL_QUEUES


@dataclass
class Receiver:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    status: int = 200
    hang: threading.Event | None = None  # when set to an Event, requests wait for it

    def reports(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r.get("report") == kind]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state.hang is not None:
                state.hang.wait(20)
            state.received.append(json.loads(body))
            state.headers.append(dict(self.headers))
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_port}/v1/report"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    if state.hang is not None:
        state.hang.set()
    server.shutdown()
    server.server_close()


def drain(app: Flask) -> None:
    """Run every queued job with a real RQ worker (in-process, burst)."""
    runner.use_app(app)
    redis: Redis = app.extensions["redis"]
    queues = [Queue(name, connection=redis) for name in ALL_QUEUES]
    SimpleWorker(queues, connection=redis).work(burst=True)


def telemetry_app(app_factory: Any, receiver: Receiver, **overrides: Any) -> Flask:
    settings = {
        "TELEMETRY_ENABLED": True,
        "TELEMETRY_ENDPOINT": receiver.url,
        "TELEMETRY_TIMEOUT_SECONDS": 2,
        **overrides,
    }
    app: Flask = app_factory(**settings)
    return app
