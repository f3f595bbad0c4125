"""The real `posthog` Python SDK against Burrow over HTTP; a real RQ worker drains the queue."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from flask import Flask
from posthog import Posthog

from app.events.models import Event
from tests import servers
from tests.helpers import Api
from tests.ingestion.conftest import LiveServer, Proj, drain, person_of, rows, rq_drain
from tests.servers import free_port


def _client(token: str, host: str, **kw: Any) -> Posthog:
    return Posthog(token, host=host, flush_interval=0.05, max_retries=3, **kw)


def test_python_sdk_end_to_end(app: Flask, api: Api, proj: Proj, live: LiveServer) -> None:
    errors: list[Any] = []
    ph = _client(proj.token, live.url, on_error=lambda e, b: errors.append(e))
    ph.capture("$pageview", distinct_id="anon-9", properties={"$current_url": "/"})
    ph.set(distinct_id="anon-9", properties={"plan": "free"})
    ph.set_once(distinct_id="anon-9", properties={"first_seen": "today"})
    ph.alias(previous_id="anon-9", distinct_id="user-9")
    ph.group_identify("company", "acme", {"employees": 12})
    ph.capture(
        "purchase", distinct_id="user-9", properties={"amount": 5}, groups={"company": "acme"}
    )
    ph.flush()
    ph.shutdown()
    gz = _client(proj.token, live.url, gzip=True)
    gz.capture("gzipped", distinct_id="user-9")
    gz.shutdown()
    assert errors == []
    rq_drain(app)

    resp = api.get(proj.account, f"/api/projects/{proj.project_id}/events/")
    names = sorted(e["event"] for e in resp.get_json()["results"])
    assert names == [
        "$create_alias",
        "$groupidentify",
        "$pageview",
        "$set",
        "$set_once",
        "gzipped",
        "purchase",
    ]
    person = person_of(app, proj.project_id, "user-9")
    assert person is not None and person_of(app, proj.project_id, "anon-9").id == person.id  # type: ignore[union-attr]
    assert person.properties == {"plan": "free", "first_seen": "today"}
    purchase = next(
        e for e in rows(app, Event, project_id=proj.project_id) if e.event == "purchase"
    )
    assert purchase.group0 == "acme" and purchase.person_id == person.uuid
    found = api.get(
        proj.account,
        f"/api/projects/{proj.project_id}/groups/find?group_type_index=0&group_key=acme",
    )
    assert found.status_code == 200 and found.get_json()["group_properties"] == {"employees": 12}


class _LosingProxy(BaseHTTPRequestHandler):
    """Forwards to Burrow but answers the first POST with 503, as a lost response would."""

    target_port = 0
    posts = 0
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        conn = http.client.HTTPConnection("127.0.0.1", self.target_port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn.request("POST", self.path, body=body, headers=headers)
        upstream = conn.getresponse()
        data = upstream.read()
        conn.close()
        with self.lock:
            type(self).posts += 1
            first = type(self).posts == 1
        status = 503 if first else upstream.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def test_retry_after_lost_response_is_deduplicated(
    app: Flask, proj: Proj, live: LiveServer
) -> None:
    _LosingProxy.target_port, _LosingProxy.posts = live.port, 0
    proxy = ThreadingHTTPServer(("127.0.0.1", free_port()), _LosingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        ph = _client(proj.token, f"http://127.0.0.1:{proxy.server_address[1]}")
        sent = [str(uuid.uuid4()) for _ in range(5)]
        for i, event_uuid in enumerate(sent):
            ph.capture("retried", distinct_id=f"d{i}", uuid=event_uuid)
        ph.shutdown()  # the SDK retries after the 503, resending the same uuids
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert _LosingProxy.posts == 2  # the batch really reached Burrow twice
    drain(app)
    stored = rows(app, Event, project_id=proj.project_id)
    assert sorted(str(e.uuid) for e in stored) == sorted(sent)


def _start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed"
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers._wait_port(port)
    return proc


def test_redis_briefly_down_gives_503_then_retry_succeeds(app_factory: Any, proj: Proj) -> None:
    port = free_port()
    flaky = app_factory(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    statuses: list[int] = []

    @flaky.after_request
    def _record(resp: Any) -> Any:
        if resp.status_code in (200, 503):
            statuses.append(resp.status_code)
        return resp

    with LiveServer(flaky) as server:
        ph = _client(proj.token, server.url)

        def send() -> None:
            ph.capture("survivor", distinct_id="s1")
            ph.shutdown()  # flushes, retrying with backoff as the SDK does

        worker = threading.Thread(target=send)
        worker.start()
        deadline = time.monotonic() + 10
        while not statuses and time.monotonic() < deadline:
            time.sleep(0.02)  # until the first attempt has been refused
        proc = _start_redis(port)  # Redis is back before the SDK's 1 s retry
        try:
            worker.join(20)
            drain(flaky)
        finally:
            proc.terminate()
            proc.wait(10)
    assert statuses[0] == 503 and statuses[-1] == 200
    assert [e.event for e in rows(flaky, Event, project_id=proj.project_id)] == ["survivor"]
