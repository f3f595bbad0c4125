"""Billing fixtures: a fake Stripe server, a cloud app pointed at it, webhook delivery and
an in-process RQ burst worker to drain the billing queue."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from rq import Queue, SimpleWorker  # noqa: TID251 - tests drain the real queue in-process
from werkzeug.test import TestResponse

from tests.billing.fake_stripe import FakeStripe, serve, sign
from tests.helpers import Account, Api
from workers import runner

SECRETS = ("whsec_current", "whsec_previous")
GROWTH_PRICE = {
    "id": "price_growth",
    "object": "price",
    "metadata": {},
    "product": {"id": "prod_g", "object": "product", "metadata": {}},
}
ULTIMATE_PRICE = {
    "id": "price_ult_meta",
    "object": "price",
    "metadata": {},
    "product": {"id": "prod_u", "object": "product", "metadata": {"edition": "ultimate"}},
}
_evt = itertools.count(1)


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    stripe = FakeStripe()
    server = serve(stripe)
    yield stripe
    server.shutdown()
    server.server_close()


def cloud_settings(fake: FakeStripe, **extra: Any) -> dict[str, Any]:
    return {
        "DEPLOYMENT": "cloud",
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_API_BASE": fake.url,
        "STRIPE_WEBHOOK_SECRETS": ",".join(SECRETS),
        "STRIPE_PRICE_EDITIONS": "price_growth=growth,price_ult=ultimate",
        **extra,
    }


@pytest.fixture
def cloud(app_factory: Any, fake: FakeStripe) -> Flask:
    app: Flask = app_factory(**cloud_settings(fake))
    return app


@pytest.fixture
def capi(cloud: Flask) -> Api:
    return Api(cloud)


def drain(app: Flask) -> None:
    """Work the billing queue until empty, in this process, with a real RQ worker."""
    runner.use_app(app)
    redis = app.extensions["redis"]
    SimpleWorker([Queue("billing", connection=redis)], connection=redis).work(
        burst=True, with_scheduler=False
    )


@dataclass
class Deliver:
    api: Api

    def event(
        self,
        kind: str,
        obj: dict[str, Any],
        *,
        event_id: str | None = None,
        created: int | None = None,
        secret: str = SECRETS[0],
        timestamp: int | None = None,
    ) -> tuple[TestResponse, dict[str, Any]]:
        evt = make_event(kind, obj, event_id=event_id, created=created)
        return self.raw(json.dumps(evt).encode(), secret=secret, timestamp=timestamp), evt

    def raw(
        self, body: bytes, *, secret: str = SECRETS[0], timestamp: int | None = None
    ) -> TestResponse:
        headers = {"Stripe-Signature": sign(body, secret, timestamp)} if secret else {}
        return self.api.new_client().post(
            "/api/billing/stripe/webhook/",
            data=body,
            headers=headers,
            content_type="application/json",
        )


def make_event(
    kind: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:12]}_{next(_evt)}",
        "object": "event",
        "type": kind,
        "created": created or int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


@pytest.fixture
def deliver(capi: Api) -> Deliver:
    return Deliver(capi)


Subscribe = Callable[..., dict[str, Any]]


def checkout_customer(api: Api, owner: Account, fake: FakeStripe) -> str:
    """Run Checkout for the owner's organization and return the Stripe customer created."""
    resp = api.post(
        owner,
        f"/api/organizations/{owner.organization_id}/billing/checkout/",
        {"edition": "growth"},
    )
    assert resp.status_code == 200, resp.get_json()
    return str(fake.calls("POST", "/v1/customers")[-1].params and list(fake.customers)[-1])
