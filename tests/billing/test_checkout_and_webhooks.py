"""Checkout → webhook → edition, and the subscription state machine with grace."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.activity.models import ActivityLog
from app.db import get_session
from app.entitlements import ensure_feature, has_feature
from app.errors import FeatureNotInPlan
from app.tenancy import tenant_scope, unscoped
from billing.models import BillingAccount, StripeEvent
from tests.billing.conftest import GROWTH_PRICE, ULTIMATE_PRICE, Deliver, checkout_customer, drain
from tests.billing.fake_stripe import FakeStripe
from tests.helpers import Account, Api
from workers import queues
from workers.enqueue import enqueue


def status(api: Api, who: Account) -> dict[str, Any]:
    resp = api.get(who, f"/api/organizations/{who.organization_id}/billing/")
    assert resp.status_code == 200, resp.get_json()
    body: dict[str, Any] = resp.get_json()
    return body


def edition_changes(app: Flask, org_id: str) -> list[dict[str, Any]]:
    with app.app_context(), tenant_scope(uuid.UUID(org_id)):
        rows = get_session().scalars(
            select(ActivityLog)
            .where(ActivityLog.action == "edition_changed")
            .order_by(ActivityLog.created_at)
        )
        return [r.detail for r in rows]


def subscribe(
    api: Api,
    owner: Account,
    fake: FakeStripe,
    deliver: Deliver,
    *,
    status_: str = "active",
    price: dict[str, Any] = GROWTH_PRICE,
    sub_id: str = "sub_main",
) -> str:
    customer = checkout_customer(api, owner, fake)
    fake.set_subscription(sub_id, customer, status_, price)
    resp, _ = deliver.event(
        "checkout.session.completed",
        {
            "id": "cs_test_1",
            "object": "checkout.session",
            "customer": customer,
            "subscription": sub_id,
            "client_reference_id": owner.organization_id,
        },
    )
    assert resp.status_code == 200
    drain(api.app)
    return customer


def test_checkout_session_is_idempotent_and_names_the_organization(
    capi: Api, fake: FakeStripe
) -> None:
    owner = capi.signup()
    url = f"/api/organizations/{owner.organization_id}/billing/checkout/"
    first = capi.post(owner, url, {"edition": "growth"})
    second = capi.post(owner, url, {"edition": "growth"})
    assert first.status_code == second.status_code == 200
    assert first.get_json()["url"].startswith("https://checkout.stripe.test/")
    assert len(fake.calls("POST", "/v1/customers")) == 1  # the customer is created once
    customer_call = fake.calls("POST", "/v1/customers")[0]
    assert customer_call.params["metadata[organization_id]"] == owner.organization_id
    sessions = fake.calls("POST", "/v1/checkout/sessions")
    assert len(sessions) == 2
    day = datetime.now(UTC).date().isoformat()
    expected = hashlib.sha256(
        f"checkout:{owner.organization_id}:price_growth:{day}".encode()
    ).hexdigest()
    assert {s.headers["Idempotency-Key"] for s in sessions} == {expected}
    sent = sessions[0].params
    assert sent["mode"] == "subscription"
    assert sent["client_reference_id"] == owner.organization_id
    assert sent["metadata[organization_id]"] == owner.organization_id
    assert sent["subscription_data[metadata][organization_id]"] == owner.organization_id
    assert sent["line_items[0][price]"] == "price_growth"
    assert sent["customer"] == list(fake.customers)[0]
    assert capi.post(owner, url, {"edition": "free"}).status_code == 400


def test_checkout_to_growth_then_ultimate(capi: Api, fake: FakeStripe, deliver: Deliver) -> None:
    owner = capi.signup()
    org = uuid.UUID(owner.organization_id)
    with capi.app.app_context(), pytest.raises(FeatureNotInPlan):
        ensure_feature(org, "experiments")
    customer = subscribe(capi, owner, fake, deliver)
    body = status(capi, owner)
    assert (body["edition"], body["source"]) == ("growth", "stripe")
    assert "experiments" in body["entitlements"] and "saml_sso" not in body["entitlements"]
    assert body["subscription"]["status"] == "active"
    with capi.app.app_context():
        ensure_feature(org, "experiments")
        assert not has_feature(org, "saml_sso")
    fake.set_subscription("sub_main", customer, "active", ULTIMATE_PRICE)  # product metadata
    resp, evt = deliver.event("customer.subscription.updated", fake.subscriptions["sub_main"])
    assert resp.status_code == 200
    drain(capi.app)
    assert status(capi, owner)["edition"] == "ultimate"
    with capi.app.app_context():
        ensure_feature(org, "saml_sso")
    changes = edition_changes(capi.app, owner.organization_id)
    assert [c["changes"][0]["after"] for c in changes] == ["growth", "ultimate"]
    assert changes[-1]["event_id"] == evt["id"]


def test_past_due_keeps_edition_during_grace_then_free(
    capi: Api, fake: FakeStripe, deliver: Deliver
) -> None:
    owner = capi.signup()
    customer = subscribe(capi, owner, fake, deliver)
    extra = capi.app.config["BURROW"].extra
    t0 = datetime(2026, 11, 21, 12, tzinfo=UTC)
    extra["BILLING_NOW"] = t0.isoformat()
    fake.set_subscription("sub_main", customer, "past_due", GROWTH_PRICE)
    deliver.event(
        "invoice.payment_failed",
        {"id": "in_1", "object": "invoice", "customer": customer, "subscription": "sub_main"},
    )
    drain(capi.app)
    body = status(capi, owner)
    assert body["edition"] == "growth"
    assert body["grace_deadline"] == (t0 + timedelta(days=14)).isoformat()
    mails = [m for m in capi.app.extensions["mail_outbox"] if m.to == owner.email]
    assert any("past due" in m.subject for m in mails)
    assert any("payment failed" in m.subject for m in mails)
    extra["BILLING_NOW"] = (t0 + timedelta(days=13)).isoformat()
    assert status(capi, owner)["edition"] == "growth"
    extra["BILLING_NOW"] = (t0 + timedelta(days=15)).isoformat()
    assert status(capi, owner)["edition"] == "free"
    with capi.app.app_context():
        enqueue("workers.jobs.billing.reconcile_billing", queue=queues.BILLING)
    drain(capi.app)
    changes = edition_changes(capi.app, owner.organization_id)
    assert changes[-1]["changes"][0] == {"field": "edition", "before": "growth", "after": "free"}
    assert changes[-1]["event_id"].startswith("reconciliation:")
    fake.set_subscription("sub_main", customer, "active", GROWTH_PRICE)
    deliver.event(
        "invoice.paid",
        {
            "id": "in_2",
            "object": "invoice",
            "customer": customer,
            "parent": {"subscription_details": {"subscription": "sub_main"}},
        },
    )
    drain(capi.app)
    assert status(capi, owner)["edition"] == "growth"


@pytest.mark.parametrize("final", ["canceled", "unpaid", "incomplete_expired"])
def test_lapsed_subscription_is_free_at_once(
    capi: Api, fake: FakeStripe, deliver: Deliver, final: str
) -> None:
    owner = capi.signup()
    customer = subscribe(capi, owner, fake, deliver)
    fake.set_subscription("sub_main", customer, final, GROWTH_PRICE)
    deliver.event("customer.subscription.deleted", fake.subscriptions["sub_main"])
    drain(capi.app)
    body = status(capi, owner)
    assert body["edition"] == "free" and body["grace_deadline"] is None
    assert body["subscription"]["status"] == final


def test_deleted_customer_falls_to_free(capi: Api, fake: FakeStripe, deliver: Deliver) -> None:
    owner = capi.signup()
    customer = subscribe(capi, owner, fake, deliver)
    fake.customers[customer] = {"id": customer, "object": "customer", "deleted": True}
    deliver.event("customer.deleted", {"id": customer, "object": "customer"})
    drain(capi.app)
    assert status(capi, owner)["edition"] == "free"
    with capi.app.app_context(), unscoped():
        account = get_session().scalar(select(BillingAccount))
        assert account is not None and account.customer_deleted


def test_duplicate_delivery_has_no_effect(capi: Api, fake: FakeStripe, deliver: Deliver) -> None:
    owner = capi.signup()
    customer = subscribe(capi, owner, fake, deliver)
    fake.set_subscription("sub_main", customer, "active", ULTIMATE_PRICE)
    first, evt = deliver.event("customer.subscription.updated", fake.subscriptions["sub_main"])
    drain(capi.app)
    retrieves = len(fake.calls("GET", "/v1/subscriptions/sub_main"))
    second, _ = deliver.event(
        "customer.subscription.updated", evt["data"]["object"], event_id=evt["id"]
    )
    drain(capi.app)
    assert first.get_json() == {"received": True, "duplicate": False}
    assert second.status_code == 200 and second.get_json()["duplicate"] is True
    assert len(fake.calls("GET", "/v1/subscriptions/sub_main")) == retrieves
    assert len(edition_changes(capi.app, owner.organization_id)) == 2  # growth, ultimate


def test_reversed_order_converges_to_stripe_state(
    capi: Api, fake: FakeStripe, deliver: Deliver
) -> None:
    owner = capi.signup()
    customer = checkout_customer(capi, owner, fake)
    created = fake.set_subscription("sub_r", customer, "incomplete", GROWTH_PRICE)
    stale = dict(created)
    fake.set_subscription("sub_r", customer, "active", ULTIMATE_PRICE)
    deliver.event("customer.subscription.updated", fake.subscriptions["sub_r"], created=200)
    drain(capi.app)
    deliver.event("customer.subscription.created", stale, created=100)  # arrives late
    drain(capi.app)
    assert status(capi, owner)["edition"] == "ultimate"
    assert len(edition_changes(capi.app, owner.organization_id)) == 1


def test_unknown_customer_and_unknown_type_are_stored_as_ignored(
    capi: Api, fake: FakeStripe, deliver: Deliver
) -> None:
    capi.signup()
    fake.set_subscription("sub_x", "cus_stranger", "active", GROWTH_PRICE)
    _, unknown_customer = deliver.event(
        "customer.subscription.created", fake.subscriptions["sub_x"]
    )
    _, unknown_type = deliver.event("charge.refunded", {"id": "ch_1", "object": "charge"})
    drain(capi.app)
    with capi.app.app_context():
        a = get_session().get(StripeEvent, unknown_customer["id"])
        b = get_session().get(StripeEvent, unknown_type["id"])
        assert a is not None and a.status == "ignored" and "cus_stranger" in (a.last_error or "")
        assert a.payload == unknown_customer  # verbatim
        assert b is not None and b.status == "ignored"


def test_failures_are_visible_and_retried(capi: Api, fake: FakeStripe, deliver: Deliver) -> None:
    owner = capi.signup()
    customer = subscribe(capi, owner, fake, deliver)
    fake.set_subscription("sub_main", customer, "active", ULTIMATE_PRICE)
    fake.failing.add("/v1/subscriptions")
    _, evt = deliver.event("customer.subscription.updated", fake.subscriptions["sub_main"])
    drain(capi.app)
    with capi.app.app_context():
        row = get_session().get(StripeEvent, evt["id"])
        assert row is not None and row.status == "failed" and row.attempts == 1
        assert "Stripe" in (row.last_error or "")
        from workers.enqueue import job_status

        assert job_status(evt["id"]) == "scheduled"  # RQ retries it with back-off
    assert status(capi, owner)["edition"] == "growth"
    fake.failing.clear()
    runner_run(capi.app, evt["id"])
    with capi.app.app_context():
        row = get_session().get(StripeEvent, evt["id"])
        assert row is not None and row.status == "processed" and row.attempts == 2
    assert status(capi, owner)["edition"] == "ultimate"


def runner_run(app: Flask, event_id: str) -> Any:
    from workers import runner

    runner.use_app(app)
    return runner.run(
        "workers.jobs.billing.process_stripe_event", None, None, {"event_id": event_id}
    )
