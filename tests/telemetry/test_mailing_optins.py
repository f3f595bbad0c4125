"""Mailing opt-ins: off unless chosen at signup or in /api/users/@me/; nothing sent when off."""

from __future__ import annotations

from typing import Any

from tests.helpers import Api
from tests.telemetry.conftest import Receiver, telemetry_app
from tests.telemetry.test_reports import run_job

ALL_OFF = {"community_invite": False, "newsletter": False, "security_updates": False}


def test_signup_and_me_round_trip_preferences(app: Any) -> None:
    api = Api(app)
    plain = api.signup()
    assert api.get(plain, "/api/users/@me/").get_json()["preferences"] == ALL_OFF
    chosen = {"community_invite": False, "newsletter": True, "security_updates": True}
    acct = api.signup(preferences=chosen)
    assert api.get(acct, "/api/users/@me/").get_json()["preferences"] == chosen
    changed = {"community_invite": True, "newsletter": False, "security_updates": False}
    resp = api.patch(acct, "/api/users/@me/", {"preferences": changed})
    assert resp.status_code == 200
    assert resp.get_json()["preferences"] == changed
    assert api.get(acct, "/api/users/@me/").get_json()["preferences"] == changed


def test_only_opted_in_addresses_are_sent_per_list(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    api.signup("nobody@example.com")
    api.signup("news@example.com", preferences={"newsletter": True})
    api.signup("security@example.com", preferences={"security_updates": True})
    run_job(app, "send_subscriptions")
    (report,) = receiver.reports("subscriptions")
    assert report == {
        "schema_version": 1,
        "report": "subscriptions",
        "lists": {
            "community_invite": [],
            "newsletter": ["news@example.com"],
            "security_updates": ["security@example.com"],
        },
    }
    assert "nobody@example.com" not in str(receiver.received)


def test_nothing_is_sent_when_nobody_opted_in(app_factory: Any, receiver: Receiver) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    api.signup("a@example.com")
    api.signup("b@example.com", preferences=ALL_OFF)
    run_job(app, "send_subscriptions")
    assert receiver.received == []


def test_opting_out_clears_the_list_once_then_sends_nothing(
    app_factory: Any, receiver: Receiver
) -> None:
    app = telemetry_app(app_factory, receiver)
    api = Api(app)
    acct = api.signup("news@example.com", preferences={"newsletter": True})
    run_job(app, "send_subscriptions")
    api.patch(acct, "/api/users/@me/", {"preferences": ALL_OFF})
    run_job(app, "send_subscriptions")
    run_job(app, "send_subscriptions")
    lists = [r["lists"]["newsletter"] for r in receiver.reports("subscriptions")]
    assert lists == [["news@example.com"], []]
