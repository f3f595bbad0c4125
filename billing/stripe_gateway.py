"""The only module that talks to Stripe. Everything returns plain dicts."""

from __future__ import annotations

from typing import Any, cast

import stripe
from flask import current_app

from billing.contracts import METER_EVENT_NAME, setting


class GatewayError(RuntimeError):
    """Stripe could not be reached or refused the call (retry later)."""


class StripeMissing(GatewayError):
    """Stripe says the object does not exist."""


def _client() -> stripe.StripeClient:
    cached: stripe.StripeClient | None = current_app.extensions.get("stripe_client")
    if cached is not None:
        return cached
    base = setting("STRIPE_API_BASE", "") or stripe.DEFAULT_API_BASE
    client = stripe.StripeClient(
        setting("STRIPE_SECRET_KEY", "") or "sk_unconfigured",
        base_addresses={"api": base},
        max_network_retries=0,  # retries happen in our jobs, with back-off
    )
    current_app.extensions["stripe_client"] = client
    return client


def _plain(obj: Any) -> dict[str, Any]:
    return cast(dict[str, Any], obj.to_dict())


def _options(idempotency_key: str | None) -> Any:
    return {"idempotency_key": idempotency_key} if idempotency_key else None


def _guard(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return _plain(call(*args, **kwargs))
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise StripeMissing(str(exc.user_message or exc)) from exc
        raise GatewayError(f"Stripe refused the request: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        raise GatewayError(f"Stripe error: {exc.user_message or type(exc).__name__}") from exc


def create_customer(*, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    return _guard(_client().v1.customers.create, cast(Any, params), _options(idempotency_key))


def retrieve_customer(customer_id: str) -> dict[str, Any]:
    return _guard(_client().v1.customers.retrieve, customer_id)


def create_checkout_session(*, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    service = _client().v1.checkout.sessions
    return _guard(service.create, cast(Any, params), _options(idempotency_key))


def create_portal_session(*, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    service = _client().v1.billing_portal.sessions
    return _guard(service.create, cast(Any, params), _options(idempotency_key))


def retrieve_subscription(subscription_id: str) -> dict[str, Any]:
    params = cast(Any, {"expand": ["items.data.price.product"]})
    return _guard(_client().v1.subscriptions.retrieve, subscription_id, params)


def list_subscriptions(customer_id: str) -> list[dict[str, Any]]:
    params = {"customer": customer_id, "status": "all", "limit": 100}
    params["expand"] = ["data.items.data.price.product"]
    page = _guard(_client().v1.subscriptions.list, cast(Any, params))
    return list(page.get("data") or [])


def list_invoices(
    customer_id: str, *, limit: int, starting_after: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"customer": customer_id, "limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    return _guard(_client().v1.invoices.list, cast(Any, params))


def list_events(*, created_gte: int, starting_after: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"created": {"gte": created_gte}, "limit": 100}
    if starting_after:
        params["starting_after"] = starting_after
    return _guard(_client().v1.events.list, cast(Any, params))


def create_meter_event(
    *, customer_id: str, value: int, identifier: str, timestamp: int
) -> dict[str, Any]:
    params = {
        "event_name": setting("STRIPE_METER_EVENT_NAME", None) or METER_EVENT_NAME,
        "payload": {"stripe_customer_id": customer_id, "value": str(value)},
        "identifier": identifier,
        "timestamp": timestamp,
    }
    service = _client().v1.billing.meter_events
    return _guard(service.create, cast(Any, params), _options(identifier))
