"""Opt-out: the admin switch or TELEMETRY_ENABLED=false stop sending (Free); paid: operator."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.entitlements import Edition, EditionGrant, register_edition_resolver
from tests.helpers import Api, error
from tests.telemetry.conftest import Receiver, telemetry_app
from tests.telemetry.test_reports import run_job

JOBS = ("send_usage_report", "send_entity_report")


def run_all(app: Flask) -> None:
    for job in JOBS:
        run_job(app, job)


def grant_growth(app: Flask) -> None:
    """Billing's seam: a resolver granting Growth to every organization (a licensed instance)."""
    with app.app_context():
        register_edition_resolver(lambda _org: EditionGrant(Edition.GROWTH, "license", {}))


def test_admin_switch_turns_everything_off_and_on(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    owner = api.signup()
    resp = api.patch(owner, "/api/instance/settings/", {"telemetry_enabled": False})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["telemetry_enabled"] is False
    assert resp.get_json()["telemetry"]["reason"] == "disabled_by_admin"
    run_all(app)
    assert receiver.received == []
    preview = api.get(owner, "/api/instance/telemetry/preview/").get_json()
    assert preview["telemetry"]["enabled"] is False
    assert preview["last_sent"]["usage"] is None

    api.patch(owner, "/api/instance/settings/", {"telemetry_enabled": True})
    run_all(app)
    assert [r["report"] for r in receiver.received] == ["usage", "entity"]


def test_environment_setting_sends_nothing(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver, TELEMETRY_ENABLED=False)
    api = Api(app)
    owner = api.signup()
    state = api.get(owner, "/api/instance/settings/").get_json()["telemetry"]
    assert (state["enabled"], state["reason"]) == (False, "disabled_by_setting")
    run_all(app)
    assert receiver.received == []


def test_settings_are_for_instance_admins_and_validated(
    app_factory: Any, receiver: Receiver
) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    owner = api.signup()
    member = api.invite_and_join(owner, level=8)
    resp = api.patch(member, "/api/instance/settings/", {"telemetry_enabled": False})
    assert resp.status_code == 403
    assert error(resp)["code"] == "instance_admin_required"
    assert api.get(None, "/api/instance/settings/").status_code == 401
    resp = api.patch(owner, "/api/instance/settings/", {"telemetry_enabled": "nope"})
    assert resp.status_code == 400
    assert error(resp)["attr"] == "telemetry_enabled"
    run_all(app)
    assert len(receiver.received) == 2  # the refused changes changed nothing


def test_paid_edition_is_on_by_default_and_only_the_operator_turns_it_off(
    app_factory: Any, receiver: Receiver
) -> None:
    app = telemetry_app(app_factory, receiver, TELEMETRY_ENABLED=False)
    grant_growth(app)
    api = Api(app)
    owner = api.signup()
    resp = api.patch(owner, "/api/instance/settings/", {"telemetry_enabled": False})
    assert resp.status_code == 403
    assert error(resp)["code"] == "telemetry_operator_only"
    state = api.get(owner, "/api/instance/settings/").get_json()["telemetry"]
    assert (state["enabled"], state["reason"], state["edition"]) == (True, "paid_edition", "growth")
    run_all(app)
    assert [r["report"] for r in receiver.received] == ["usage", "entity"]
    assert receiver.reports("usage")[0]["organizations_by_edition"]["growth"] == 1


def test_operator_opt_out_sends_nothing(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver, TELEMETRY_OPERATOR_OPT_OUT=True)
    grant_growth(app)
    api = Api(app)
    owner = api.signup()
    state = api.get(owner, "/api/instance/settings/").get_json()["telemetry"]
    assert (state["enabled"], state["reason"]) == (False, "operator_opt_out")
    run_all(app)
    assert receiver.received == []
