"""Scheduled reports: deliver every subscription that is due, then move its schedule on."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from app.db import get_session, utcnow
from app.entitlements import has_feature
from app.projects.models import Project
from app.subscriptions import delivery, service
from app.subscriptions.models import Subscription
from app.tenancy import tenant_scope, unscoped

log = logging.getLogger(__name__)
BATCH = 500


def deliver_due(now: datetime | None = None) -> int:
    """Send what is due (across tenants, each in its own scope); returns deliveries made.

    A subscription is claimed with SELECT … FOR UPDATE SKIP LOCKED, so two runs never send
    the same report twice. One that fails keeps its date and is retried next run; one whose
    organization lost `dashboard_sharing` is skipped (kept, moved on) until an upgrade.
    """
    moment = now or utcnow()
    session = get_session()
    with unscoped():
        due = session.execute(
            select(Subscription.id, Subscription.project_id, Project.organization_id)
            .join(Project, Project.id == Subscription.project_id)
            .where(
                Subscription.deleted.is_(False),
                Subscription.next_delivery_date <= moment,
            )
            .order_by(Subscription.next_delivery_date)
            .limit(BATCH)
        ).all()
    session.commit()
    delivered = 0
    for sub_id, project_id, organization_id in due:
        with tenant_scope(organization_id, project_id):
            sub = session.scalar(
                select(Subscription)
                .where(Subscription.id == sub_id, Subscription.next_delivery_date <= moment)
                .with_for_update(skip_locked=True)
            )
            if sub is None:  # another run has it, or it moved on meanwhile
                session.rollback()
                continue
            try:
                if has_feature(organization_id, service.FEATURE):
                    delivery.deliver(sub, organization_id)
                    sub.last_delivered_at = moment
                    delivered += 1
                sub.next_delivery_date = service.next_after(sub, moment)
                session.commit()
            except Exception:  # noqa: BLE001 - one broken report must not stop the others
                session.rollback()
                log.exception("subscription %s: delivery failed; retried next run", sub_id)
    return delivered
