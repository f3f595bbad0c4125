"""Scheduled reports API: /api/projects/<id>/subscriptions/ (PostHog's shape)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from app.access import current_principal
from app.db import get_session
from app.entitlements import ensure_feature
from app.errors import ValidationError
from app.http import api_scope, doc, paginate, parse
from app.subscriptions import delivery, service
from app.subscriptions.models import Subscription
from app.subscriptions.schemas import SubscriptionCreate, SubscriptionRead, SubscriptionUpdate

bp = Blueprint("subscriptions", __name__)
BASE = "/api/projects/<int:project_id>/subscriptions/"


def _read(sub: Subscription) -> dict[str, object]:
    return SubscriptionRead.of(sub, service.summary(sub)).model_dump(mode="json")


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ValidationError(f"{name} must be an id.", attr=name)
    return int(raw)


@bp.get(BASE)
@api_scope("subscription")
@doc(response_model=SubscriptionRead, tag="subscriptions")
def list_subscriptions(project_id: int) -> Response:
    """Subscriptions of the project; `?insight=` or `?dashboard=` narrows to one target."""
    stmt = service.list_subscriptions(
        insight_id=_int_arg("insight"), dashboard_id=_int_arg("dashboard")
    )
    return jsonify(paginate(stmt, _read))


@bp.post(BASE)
@api_scope("subscription")
@doc(request_model=SubscriptionCreate, response_model=SubscriptionRead, tag="subscriptions")
def create_subscription(project_id: int) -> Response:
    """E-mail an insight or a dashboard on a schedule (needs dashboard_sharing)."""
    data = parse(SubscriptionCreate)
    principal = current_principal()
    sub = service.create_subscription(
        data.model_dump(),
        organization_id=g.project.organization_id,
        created_by_id=principal.user_id if principal else None,
    )
    get_session().commit()
    response = jsonify(_read(sub))
    response.status_code = 201
    return response


@bp.get(BASE + "<int:subscription_id>/")
@api_scope("subscription")
@doc(response_model=SubscriptionRead, tag="subscriptions")
def get_subscription(project_id: int, subscription_id: int) -> Response:
    """One subscription with its schedule summary and next delivery."""
    return jsonify(_read(service.get_subscription(subscription_id)))


@bp.patch(BASE + "<int:subscription_id>/")
@api_scope("subscription")
@doc(request_model=SubscriptionUpdate, response_model=SubscriptionRead, tag="subscriptions")
def update_subscription(project_id: int, subscription_id: int) -> Response:
    """Change the schedule or recipients (needs dashboard_sharing), or `deleted: true`."""
    sub = service.get_subscription(subscription_id)
    fields = parse(SubscriptionUpdate).model_dump(exclude_unset=True)
    service.update_subscription(sub, fields, organization_id=g.project.organization_id)
    get_session().commit()
    return jsonify(_read(sub))


@bp.delete(BASE + "<int:subscription_id>/")
@api_scope("subscription")
@doc(tag="subscriptions")
def delete_subscription(project_id: int, subscription_id: int) -> Response:
    """Stop and delete a subscription (never gated)."""
    sub = service.get_subscription(subscription_id)
    service.update_subscription(sub, {"deleted": True}, organization_id=g.project.organization_id)
    get_session().commit()
    return Response(status=204)


@bp.post(BASE + "<int:subscription_id>/test-delivery/")
@api_scope("subscription")
@doc(tag="subscriptions")
def test_delivery(project_id: int, subscription_id: int) -> Response:
    """Send the report now, without moving the schedule."""
    sub = service.get_subscription(subscription_id)
    ensure_feature(g.project.organization_id, service.FEATURE)
    sent = delivery.deliver(sub, g.project.organization_id)
    return jsonify({"sent": sent})
