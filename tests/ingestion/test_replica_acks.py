"""REDIS_MIN_REPLICA_ACKS: capture answers 200 only once the batch reached that many replicas.

The test Redis is a single server with no replicas, so requiring one replica must refuse.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from redis import Redis

from app.ingestion import queue
from tests.helpers import Api, error
from tests.ingestion.conftest import drain, event_count, make_project


def _body(token: str) -> dict[str, Any]:
    return {
        "api_key": token,
        "batch": [{"event": "e", "distinct_id": "a", "uuid": str(uuid.uuid4())}],
    }


def test_no_replica_ack_answers_503_and_nothing_is_processed(app_factory: Any) -> None:
    app = app_factory(REDIS_MIN_REPLICA_ACKS=1, REDIS_REPLICA_ACK_TIMEOUT_MS=30)
    proj = make_project(Api(app))
    redis: Redis[bytes] = app.extensions["redis"]
    assert redis.info("replication")["connected_slaves"] == 0
    started = time.monotonic()
    resp = app.test_client().post("/batch/", json=_body(proj.token))
    assert resp.status_code == 503
    assert error(resp)["code"] == "queue_unavailable"
    assert time.monotonic() - started < 2  # the WAIT timeout bounds the request
    assert redis.llen(queue.PENDING) == 0  # withdrawn from the queue
    assert redis.get(queue.KICK) is None  # and the next batch still kicks a drain
    assert drain(app) == 0
    assert event_count(app, proj.project_id) == 0


def test_zero_required_acks_answers_200(app_factory: Any) -> None:
    app = app_factory(REDIS_MIN_REPLICA_ACKS=0)
    proj = make_project(Api(app))
    resp = app.test_client().post("/batch/", json=_body(proj.token))
    assert resp.status_code == 200, resp.get_json()
    drain(app)
    assert event_count(app, proj.project_id) == 1
