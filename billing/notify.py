"""Tell an organization's admins about billing events (email)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from app.auth.models import User
from app.db import get_session
from app.mail import send_mail
from app.organizations.models import Level, Membership
from app.tenancy import tenant_scope


def admin_emails(organization_id: uuid.UUID) -> list[str]:
    with tenant_scope(organization_id):
        rows = get_session().scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.level >= int(Level.ADMIN), User.is_active.is_(True))
        )
        return sorted(rows)


def admins(organization_id: uuid.UUID, subject: str, body: str) -> None:
    for email in admin_emails(organization_id):
        send_mail(email, subject, body)


def payment_past_due(organization_id: uuid.UUID, deadline: datetime) -> None:
    admins(
        organization_id,
        "Burrow: your payment is past due",
        "We could not collect your latest payment. Your plan stays active until "
        f"{deadline:%Y-%m-%d %H:%M} UTC; after that the organization moves to Free. "
        "No data is deleted. Update your payment method in the billing portal.",
    )


NOTICES = {
    "customer.subscription.trial_will_end": (
        "Burrow: your trial ends soon",
        "Your trial ends in a few days. Add a payment method to keep your plan.",
    ),
    "invoice.payment_failed": (
        "Burrow: a payment failed",
        "A payment for your Burrow subscription failed. Please update your payment method.",
    ),
    "invoice.payment_action_required": (
        "Burrow: your payment needs your action",
        "Your bank asks you to confirm a payment for your Burrow subscription.",
    ),
}


def for_event(organization_id: uuid.UUID, event_type: str) -> None:
    notice = NOTICES.get(event_type)
    if notice is not None:
        admins(organization_id, *notice)
