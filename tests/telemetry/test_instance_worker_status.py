"""GET /api/instance/status/: version, edition, queues, worker heartbeats, health, telemetry."""

from __future__ import annotations

from typing import Any

from rq import Queue, Worker

from tests.helpers import Api, error
from tests.telemetry.conftest import Receiver, telemetry_app
from workers import queues
from workers.enqueue import enqueue


def test_status_reports_queues_workers_health_and_telemetry(
    app_factory: Any, receiver: Receiver
) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    owner = api.signup()
    with app.app_context():
        enqueue("workers.jobs.telemetry.send_usage_report", queue=queues.DEFAULT)
    redis = app.extensions["redis"]
    worker = Worker([Queue(queues.INGESTION, connection=redis)], name="w-test", connection=redis)
    worker.register_birth()
    worker.heartbeat()
    try:
        body = api.get(owner, "/api/instance/status/").get_json()
    finally:
        worker.register_death()

    assert body["version"] == "0.1.0"
    assert body["edition"] == {
        "edition": "free",
        "source": "free",
        "organizations_by_edition": {"free": 1, "growth": 0, "ultimate": 0},
    }
    assert body["deployment"] == "selfhosted"
    assert (body["database"], body["redis"]) == ("ok", "ok")
    assert body["queue_depths"] == {"ingestion": 0, "insights": 0, "billing": 0, "default": 1}
    (seen,) = [w for w in body["workers"] if w["name"] == "w-test"]
    assert seen["queues"] == ["ingestion"]
    assert seen["last_heartbeat"]
    assert body["telemetry"]["enabled"] is True
    assert body["telemetry"]["endpoint"] == receiver.url


def test_status_on_the_embedded_queue_mode(app_factory: Any) -> None:
    app = app_factory(REDIS_URL="")
    api = Api(app)
    owner = api.signup()
    body = api.get(owner, "/api/instance/status/").get_json()
    assert body["redis"] == "not_configured"
    assert body["workers"] == []
    assert body["telemetry"] == {
        "enabled": False,
        "reason": "disabled_by_setting",  # the test suite's default
        "edition": "free",
        "admin_switch": True,
        "admin_can_disable": True,
        "endpoint": "https://telemetry.burrow.dev/v1/report",
    }


def test_status_is_for_instance_admins_only(app_factory: Any) -> None:
    app = app_factory()
    api = Api(app)
    owner = api.signup()
    other_owner = api.signup()  # owns their organization but is not an instance admin
    resp = api.get(other_owner, "/api/instance/status/")
    assert resp.status_code == 403
    assert error(resp)["code"] == "instance_admin_required"
    assert api.get(None, "/api/instance/status/").status_code == 401
    key = api.create_key(owner, scopes=["*"])
    assert api.get(key, "/api/instance/status/").status_code in (401, 403)
