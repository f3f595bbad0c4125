"""Webhook signature rules, rotation, concurrency and reconciliation of missed events."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.db import get_session
from billing.models import StripeEvent
from tests.billing.conftest import (
    GROWTH_PRICE,
    SECRETS,
    ULTIMATE_PRICE,
    Deliver,
    checkout_customer,
    drain,
    make_event,
)
from tests.billing.fake_stripe import FakeStripe
from tests.billing.test_checkout_and_webhooks import edition_changes, status
from tests.helpers import Api, error
from workers import queues, runner
from workers.enqueue import enqueue


def stored_events(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(func.count()).select_from(StripeEvent)) or 0)


def test_bad_missing_and_expired_signatures_store_nothing(deliver: Deliver) -> None:
    body = json.dumps(make_event("invoice.paid", {"id": "in_1", "customer": "cus_1"})).encode()
    wrong = deliver.raw(body, secret="whsec_attacker")
    missing = deliver.raw(body, secret="")
    expired = deliver.raw(body, timestamp=int(time.time()) - 301)
    tampered_body = body.replace(b"in_1", b"in_2")
    sig = deliver.api.new_client().post  # a valid signature for other bytes
    from tests.billing.fake_stripe import sign

    tampered = sig(
        "/api/billing/stripe/webhook/",
        data=tampered_body,
        headers={"Stripe-Signature": sign(body, SECRETS[0])},
        content_type="application/json",
    )
    for resp in (wrong, missing, expired, tampered):
        assert resp.status_code == 400
        assert error(resp)["code"] == "invalid_signature"
    assert stored_events(deliver.api.app) == 0
    fresh = deliver.raw(body, timestamp=int(time.time()) - 290)  # inside the 300 s tolerance
    assert fresh.status_code == 200


def test_rotated_secret_is_accepted(deliver: Deliver) -> None:
    resp, evt = deliver.event("charge.succeeded", {"id": "ch_1"}, secret=SECRETS[1])
    assert resp.status_code == 200
    with deliver.api.app.app_context():
        row = get_session().get(StripeEvent, evt["id"])
        assert row is not None and row.payload == evt


def test_concurrent_deliveries_converge(capi: Api, fake: FakeStripe, deliver: Deliver) -> None:
    owner = capi.signup()
    customer = checkout_customer(capi, owner, fake)
    sub = fake.set_subscription("sub_c", customer, "active", GROWTH_PRICE)
    events = [
        make_event("customer.subscription.created", sub),
        make_event("customer.subscription.updated", sub),
        make_event("invoice.paid", {"id": "in_c", "customer": customer, "subscription": "sub_c"}),
    ]
    bodies = [json.dumps(e).encode() for e in events] + [json.dumps(events[0]).encode()]
    results: list[Any] = [None] * len(bodies)

    def post(i: int) -> None:
        results[i] = deliver.raw(bodies[i]).get_json()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["duplicate"] for r in results) == [False, False, False, True]
    assert stored_events(capi.app) == 3
    # Two workers applying two events for the same organization at the same time.
    runner.use_app(capi.app)
    fake.set_subscription("sub_c", customer, "active", ULTIMATE_PRICE)
    workers = [
        threading.Thread(
            target=runner.run,
            args=("workers.jobs.billing.process_stripe_event", None, None, {"event_id": e["id"]}),
        )
        for e in events
    ]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    drain(capi.app)  # the queued copies find the events already processed
    assert status(capi, owner)["edition"] == "ultimate"
    changes = edition_changes(capi.app, owner.organization_id)
    assert [c["changes"][0]["after"] for c in changes] == ["ultimate"]
    with capi.app.app_context():
        rows = get_session().scalars(select(StripeEvent))
        assert {r.status for r in rows} == {"processed"}


def test_reconciliation_replays_a_missed_event(
    capi: Api, fake: FakeStripe, deliver: Deliver
) -> None:
    owner = capi.signup()
    customer = checkout_customer(capi, owner, fake)
    fake.set_subscription("sub_m", customer, "active", GROWTH_PRICE)
    delivered = make_event("customer.subscription.created", fake.subscriptions["sub_m"])
    deliver.raw(json.dumps(delivered).encode())
    drain(capi.app)
    assert status(capi, owner)["edition"] == "growth"
    fake.set_subscription("sub_m", customer, "active", ULTIMATE_PRICE)
    missed = make_event("customer.subscription.updated", fake.subscriptions["sub_m"])
    fake.events = [delivered, missed]  # Stripe's event list; the webhook never reached us
    with capi.app.app_context():
        enqueue("workers.jobs.billing.reconcile_billing", queue=queues.BILLING)
    drain(capi.app)
    assert status(capi, owner)["edition"] == "ultimate"
    with capi.app.app_context():
        row = get_session().get(StripeEvent, missed["id"])
        assert row is not None and (row.source, row.status) == ("reconciliation", "processed")
        assert row.organization_id == uuid.UUID(owner.organization_id)
    assert fake.calls("GET", "/v1/events")[0].params["created[gte]"]
    assert edition_changes(capi.app, owner.organization_id)[-1]["event_id"] == missed["id"]
