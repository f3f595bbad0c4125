"""Each failure answers its own status and code, in the one error shape, and queues nothing."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from flask import Flask
from redis import Redis

from app.ingestion import queue
from tests.helpers import error
from tests.ingestion.conftest import Proj


def _queued(app: Flask) -> int:
    redis: Redis[bytes] = app.extensions["redis"]
    return int(redis.llen(queue.PENDING))


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"", 400, "invalid_payload"),
        (b"{not json", 400, "invalid_payload"),
        (b"\x1f\x8b\x08garbage", 400, "invalid_payload"),
        (json.dumps({"api_key": "T", "batch": []}).encode(), 400, "invalid_payload"),
        (json.dumps({"api_key": "T", "batch": "x"}).encode(), 400, "invalid_payload"),
        (
            json.dumps({"api_key": "T", "batch": [{"distinct_id": "a"}]}).encode(),
            400,
            "missing_event_name",
        ),
        (
            json.dumps({"api_key": "T", "batch": [{"event": "", "distinct_id": "a"}]}).encode(),
            400,
            "missing_event_name",
        ),
        (
            json.dumps({"api_key": "T", "batch": [{"event": "e"}]}).encode(),
            400,
            "missing_distinct_id",
        ),
        (
            json.dumps({"api_key": "T", "batch": [{"event": "e", "distinct_id": ""}]}).encode(),
            400,
            "missing_distinct_id",
        ),
        (
            json.dumps(
                {"api_key": "T", "batch": [{"event": "e", "distinct_id": "a", "uuid": "zz"}]}
            ).encode(),
            400,
            "invalid_uuid",
        ),
        (json.dumps({"batch": [{"event": "e", "distinct_id": "a"}]}).encode(), 401, "no_token"),
        (
            json.dumps(
                {"api_key": "phx_personal", "batch": [{"event": "e", "distinct_id": "a"}]}
            ).encode(),
            401,
            "invalid_token",
        ),
        (
            json.dumps(
                {"api_key": "phc_" + "x" * 70, "batch": [{"event": "e", "distinct_id": "a"}]}
            ).encode(),
            401,
            "invalid_token",
        ),
        (
            json.dumps(
                {"api_key": "phc_unknown", "batch": [{"event": "e", "distinct_id": "a"}]}
            ).encode(),
            401,
            "invalid_token",
        ),
        (
            json.dumps(
                [
                    {"event": "e", "distinct_id": "a", "token": "phc_a"},
                    {"event": "e", "distinct_id": "a", "token": "phc_b"},
                ]
            ).encode(),
            400,
            "multiple_tokens",
        ),
    ],
)
def test_error_statuses(app: Flask, proj: Proj, body: bytes, status: int, code: str) -> None:
    body = body.replace(b'"T"', json.dumps(proj.token).encode())
    resp = app.test_client().post("/batch/", data=body, content_type="application/json")
    assert resp.status_code == status, resp.get_json()
    assert error(resp)["code"] == code
    assert _queued(app) == 0


def test_too_large_bodies_answer_413(app: Flask, proj: Proj) -> None:
    client = app.test_client()
    big = json.dumps(
        [
            {
                "event": "e",
                "distinct_id": "a",
                "properties": {"token": proj.token, "p": "x" * 3_000_000},
            }
        ]
    )
    resp = client.post("/e/", data=big, content_type="application/json")
    assert resp.status_code == 413 and error(resp)["code"] == "payload_too_large"
    bomb = gzip.compress(b" " * (60 * 1024 * 1024))  # decompresses past the 50 MB cap
    resp = client.post("/batch/", data=bomb, headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 413 and error(resp)["code"] == "payload_too_large"
    assert _queued(app) == 0


def test_redis_down_answers_503_and_nothing_is_claimed(app_factory: Any, proj: Proj) -> None:
    from tests.servers import free_port

    down = app_factory(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    body = {"api_key": proj.token, "batch": [{"event": "e", "distinct_id": "a"}]}
    resp = down.test_client().post("/batch/", json=body)
    assert resp.status_code == 503
    assert error(resp)["code"] == "queue_unavailable"


def test_token_reset_takes_effect_immediately(app: Flask, api: Any, proj: Proj) -> None:
    body = {"api_key": proj.token, "batch": [{"event": "e", "distinct_id": "a"}]}
    client = app.test_client()
    assert client.post("/batch/", json=body).status_code == 200  # now cached
    resp = api.post(proj.account, f"/api/projects/{proj.project_id}/reset_token/")
    assert resp.status_code == 200, resp.get_json()
    assert client.post("/batch/", json=body).status_code == 401
    body["api_key"] = resp.get_json()["api_token"]
    assert client.post("/batch/", json=body).status_code == 200
