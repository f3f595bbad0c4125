"""Billing jobs (thin): Stripe events, reconciliation, usage metering, the cloud allowance."""

from __future__ import annotations

from sqlalchemy import select

from app.db import get_session
from app.organizations.models import Organization
from app.tenancy import require_scope
from billing import allowance, reconcile, usage, webhooks
from billing.contracts import now
from workers import queues
from workers.enqueue import enqueue

EVENT_RETRIES = 5


def process_stripe_event(event_id: str) -> str:
    """Apply one stored Stripe event; a failure is recorded, then retried with back-off."""
    session = get_session()
    try:
        return webhooks.process(event_id)
    except Exception as exc:
        session.rollback()
        webhooks.record_failure(event_id, exc)
        session.commit()
        raise


def enqueue_event(event_id: str) -> None:
    enqueue(
        process_stripe_event,
        queue=queues.BILLING,
        job_id=event_id,
        retries=EVENT_RETRIES,
        event_id=event_id,
    )


def reconcile_billing() -> int:
    """Daily: replay missed or stuck Stripe events and re-sync every paying organization."""
    event_ids = reconcile.fetch_missed_events() + reconcile.stuck_events()
    get_session().commit()
    for event_id in dict.fromkeys(event_ids):
        enqueue_event(event_id)
    day = now().date().isoformat()
    for org_id in reconcile.paying_organizations():
        enqueue(
            resync_organization,
            queue=queues.BILLING,
            organization_id=org_id,
            job_id=f"billing-resync-{org_id}-{day}",
            retries=3,
        )
    return len(event_ids)


def resync_organization() -> None:
    org_id = require_scope().organization_id
    reconcile.resync(org_id, cause=f"reconciliation:{now().date().isoformat()}")


def _organization_ids() -> list[object]:
    return list(get_session().scalars(select(Organization.id)))


def meter_usage() -> int:
    """Daily: one metering job per organization."""
    org_ids = _organization_ids()
    day = now().date().isoformat()
    for org_id in org_ids:
        enqueue(
            meter_organization,
            queue=queues.BILLING,
            organization_id=org_id,  # type: ignore[arg-type]
            job_id=f"billing-meter-{org_id}-{day}",
            retries=3,
        )
    return len(org_ids)


def meter_organization() -> int:
    """Ledger the organization's recent days, commit, then report unsent rows to Stripe."""
    org_id = require_scope().organization_id
    created = usage.meter_organization(org_id)
    get_session().commit()
    usage.send_pending()
    return created


def check_allowances() -> int:
    """Hourly (cloud only): re-check every organization's free allowance."""
    if not allowance.is_cloud():
        return 0
    org_ids = _organization_ids()
    for org_id in org_ids:
        enqueue(check_allowance, queue=queues.BILLING, organization_id=org_id)  # type: ignore[arg-type]
    return len(org_ids)


def check_allowance() -> None:
    org_id = require_scope().organization_id
    at = now()
    events = usage.count_events(org_id, allowance.period_start_datetime(at), at)
    allowance.check(org_id, events)
