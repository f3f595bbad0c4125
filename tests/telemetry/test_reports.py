"""The usage and entity reports: exact schema, no user data, nothing in common, preview = sent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from app.db import utcnow
from tests.helpers import Api
from tests.telemetry.conftest import Receiver, drain, telemetry_app
from tests.telemetry.seed import SECRETS, seed
from workers import queues
from workers.enqueue import enqueue

USAGE_KEYS = {
    "schema_version",
    "report",
    "period",
    "instance",
    "organizations_by_edition",
    "counts",
    "insights_by_kind",
    "features_in_use",
}
COUNT_KEYS = {
    "organizations",
    "projects",
    "users",
    "memberships",
    "persons",
    "events_in_period",
    "feature_flags",
    "experiments",
    "dashboards",
    "insights",
    "cohorts",
    "personal_api_keys",
}


def run_job(app: Any, name: str) -> None:
    with app.app_context():
        enqueue(f"workers.jobs.telemetry.{name}", queue=queues.DEFAULT)
    drain(app)


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v)]
    return [value]


def test_usage_report_has_the_exact_schema_and_counts(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver)
    seeded = seed(app, Api(app), events_yesterday=7, events_today=3)
    Api(app).create_key(seeded.owner, scopes=["insight:read"])
    run_job(app, "send_usage_report")

    assert len(receiver.received) == 1
    report = receiver.reports("usage")[0]
    assert set(report) == USAGE_KEYS
    assert report["schema_version"] == 1
    assert report["period"] == (utcnow() - timedelta(days=1)).date().isoformat()
    assert report["instance"] == {
        "version": "0.1.0",
        "deployment": "selfhosted",
        "database": "postgresql",
        "queue": "redis",
    }
    assert report["organizations_by_edition"] == {"free": 1, "growth": 0, "ultimate": 0}
    assert set(report["counts"]) == COUNT_KEYS
    counts = report["counts"]
    assert (counts["organizations"], counts["projects"], counts["users"]) == (1, 1, 2)
    assert (counts["memberships"], counts["persons"], counts["personal_api_keys"]) == (2, 1, 1)
    assert counts["events_in_period"] == seeded.events_yesterday  # today's 3 are not counted
    features = report["features_in_use"]
    assert features["product_analytics"] == 1
    assert features["multiple_users"] == 1
    assert features["api_access"] == 1
    assert all(isinstance(v, int) for v in features.values())
    assert receiver.headers[0]["User-Agent"] == "burrow-telemetry"
    assert "Cookie" not in receiver.headers[0]


def test_usage_report_carries_no_individual_user_data(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver)
    seed(app, Api(app))
    run_job(app, "send_usage_report")

    serialized = json.dumps(receiver.reports("usage")[0]).lower()
    for kind, value in SECRETS.items():
        assert value.lower() not in serialized, kind
    for fragment in ("quokka", "zebra", "@", "203.0.113", "https://", "secret", "distinct-"):
        assert fragment not in serialized
    assert "testserver" not in serialized  # the host belongs to the entity report only


def test_entity_report_names_the_setup_entity_and_host(
    app_factory: Any, receiver: Receiver
) -> None:
    app = telemetry_app(app_factory, receiver)
    seed(app, Api(app))
    run_job(app, "send_entity_report")

    assert receiver.reports("entity") == [
        {
            "schema_version": 1,
            "report": "entity",
            "host": "testserver",
            "email": SECRETS["email"],
            "company": SECRETS["organization_name"],
        }
    ]
    assert receiver.reports("usage") == []  # sent separately, by its own job


def test_entity_report_leaves_out_a_company_that_was_not_provided(
    app_factory: Any, receiver: Receiver
) -> None:
    app = telemetry_app(app_factory, receiver)
    Api(app).signup("solo@example.com", organization_name="")
    run_job(app, "send_entity_report")
    assert receiver.reports("entity")[0]["company"] is None


def test_the_two_reports_share_no_identifier_or_value(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver)
    seed(app, Api(app))
    run_job(app, "send_usage_report")
    run_job(app, "send_entity_report")

    usage, entity = receiver.reports("usage")[0], receiver.reports("entity")[0]
    assert set(usage) & set(entity) == {"schema_version", "report"}
    assert usage["report"] != entity["report"]
    shared = {str(v) for v in leaves(usage)} & {str(v) for v in leaves(entity)}
    assert shared <= {"1"}  # the schema version, the same for every instance
    assert not any(k in entity for k in ("period", "sent_at", "date", "instance", "id"))


def test_preview_shows_exactly_what_is_sent_then_the_last_sent(
    app_factory: Any, receiver: Receiver
) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    seeded = seed(app, api)
    before = api.get(seeded.owner, "/api/instance/telemetry/preview/").get_json()
    assert before["last_sent"] == {"usage": None, "entity": None, "subscriptions": None}
    assert before["telemetry"]["enabled"] is True
    assert before["telemetry"]["reason"] == "on_by_default"

    run_job(app, "send_usage_report")
    run_job(app, "send_entity_report")
    assert receiver.reports("usage") == [before["next"]["usage"]]
    assert receiver.reports("entity") == [before["next"]["entity"]]

    after = api.get(seeded.owner, "/api/instance/telemetry/preview/").get_json()
    assert after["last_sent"]["usage"]["payload"] == before["next"]["usage"]
    assert after["last_sent"]["entity"]["payload"] == before["next"]["entity"]
    assert after["last_sent"]["usage"]["sent_at"].startswith(utcnow().date().isoformat())
    assert after["last_sent"]["subscriptions"] is None


def test_preview_is_for_instance_admins_only(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    seeded = seed(app, api)
    assert api.get(seeded.member, "/api/instance/telemetry/preview/").status_code == 403
    assert api.get(None, "/api/instance/telemetry/preview/").status_code == 401
    key = api.create_key(seeded.owner, scopes=["*"])
    assert api.get(key, "/api/instance/telemetry/preview/").status_code in (401, 403)
