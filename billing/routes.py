"""Billing API: status, checkout, portal, invoices, the Stripe webhook, license keys."""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Response, g, jsonify, request

from app.access import require_level, require_user
from app.db import get_session
from app.errors import Forbidden, ValidationError
from app.http import csrf_exempt, doc, parse, public
from app.organizations.models import Level
from billing import licenses, service, webhooks
from billing.contracts import now, webhook_secrets
from billing.schemas import (
    BillingStatusRead,
    CheckoutCreate,
    CheckoutRead,
    LicenseInstall,
    LicenseRead,
    PortalRead,
    invoice_json,
)
from workers import queues
from workers.enqueue import enqueue

log = logging.getLogger(__name__)
bp = Blueprint("billing", __name__)
ORG = "/api/organizations/<uuid:organization_id>/billing"


@bp.get(f"{ORG}/")
@doc(response_model=BillingStatusRead, tag="billing")
def billing_status(organization_id: uuid.UUID) -> Response:
    """Edition, entitlements, subscription, period, usage and grace deadline (any member)."""
    return jsonify(service.status(organization_id=g.organization_id))


@bp.post(f"{ORG}/checkout/")
@doc(request_model=CheckoutCreate, response_model=CheckoutRead, tag="billing")
def create_checkout(organization_id: uuid.UUID) -> Response:
    """Start a Stripe Checkout for a paid plan (admins)."""
    require_level(Level.ADMIN)
    data = parse(CheckoutCreate)
    result = service.checkout(
        organization=g.organization, price_id=data.price_id, edition=data.edition
    )
    get_session().commit()
    return jsonify(result)


@bp.post(f"{ORG}/portal/")
@doc(response_model=PortalRead, tag="billing")
def create_portal(organization_id: uuid.UUID) -> Response:
    """Open the Stripe customer portal (admins)."""
    require_level(Level.ADMIN)
    return jsonify(service.portal(organization=g.organization))


@bp.get(f"{ORG}/invoices/")
@doc(tag="billing")
def list_invoices(organization_id: uuid.UUID) -> Response:
    """The organization's invoices from Stripe, newest first (admins; cursor pagination)."""
    require_level(Level.ADMIN)
    raw_limit = request.args.get("limit", "10")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
        raise ValidationError("'limit' must be between 1 and 100.", attr="limit")
    limit = int(raw_limit)
    page = service.invoices(limit=limit, starting_after=request.args.get("starting_after"))
    rows = [invoice_json(inv) for inv in page.get("data") or []]
    nxt = None
    if page.get("has_more") and rows:
        nxt = f"{request.base_url}?limit={limit}&starting_after={rows[-1]['id']}"
    return jsonify({"results": rows, "next": nxt, "previous": None, "count": None})


@bp.post("/api/billing/stripe/webhook/")
@public
@csrf_exempt
@doc(tag="billing")
def stripe_webhook() -> Response:
    """Stripe's events: verified, stored once, processed on the billing queue."""
    body = request.get_data()
    try:
        webhooks.verify_signature(body, request.headers.get("Stripe-Signature"), webhook_secrets())
        event = webhooks.parse_event(body)
    except webhooks.SignatureError as exc:
        raise ValidationError(f"Invalid Stripe webhook: {exc}.", code="invalid_signature") from exc
    created = webhooks.store_event(event)
    get_session().commit()
    if created:
        _enqueue_event(event["id"])
    return jsonify({"received": True, "duplicate": not created})


def _enqueue_event(event_id: str) -> None:
    try:
        enqueue(
            "workers.jobs.billing.process_stripe_event",
            queue=queues.BILLING,
            job_id=event_id,
            retries=5,
            event_id=event_id,
        )
    except Exception:  # the event is stored and marked failed; reconciliation retries it
        log.exception("billing event %s failed inline", event_id)


def _require_instance_admin() -> uuid.UUID:
    user = require_user()
    if not user.is_staff:
        raise Forbidden("Only instance admins manage the license.", code="not_instance_admin")
    return user.id


def _license_json(status: int = 200) -> Response:
    lic = licenses.current()
    today = now().date()
    active = lic is not None and not lic.expired(today)
    body = LicenseRead(
        edition=lic.edition.label if lic is not None and active else "free",
        license=lic.as_dict(today) if lic else None,
    )
    response = jsonify(body.model_dump())
    response.status_code = status
    return response


@bp.get("/api/license/")
@doc(response_model=LicenseRead, tag="billing")
def get_license() -> Response:
    """The instance's license key details (instance admins)."""
    _require_instance_admin()
    return _license_json()


@bp.post("/api/license/")
@doc(request_model=LicenseInstall, response_model=LicenseRead, tag="billing")
def install_license() -> Response:
    """Install a license key (instance admins); invalid or expired keys are refused."""
    user_id = _require_instance_admin()
    data = parse(LicenseInstall)
    licenses.install(token=data.key, user_id=user_id)
    get_session().commit()
    return _license_json(201)


@bp.delete("/api/license/")
@doc(tag="billing")
def delete_license() -> Response:
    """Remove the license key; the instance returns to Free, data intact (instance admins)."""
    _require_instance_admin()
    licenses.remove()
    get_session().commit()
    return Response(status=204)
