"""Usage metering (exactly once, late deltas) and the cloud-only free allowance."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.activity.models import ActivityLog
from app.db import get_session
from app.events.models import Event
from app.ingestion.models import IngestionOverflow
from app.tenancy import tenant_scope
from billing import allowance
from billing.models import AllowanceState, UsageRecord
from tests.billing.conftest import Deliver, cloud_settings, drain
from tests.billing.fake_stripe import FakeStripe
from tests.billing.test_checkout_and_webhooks import status, subscribe
from tests.helpers import Account, Api
from workers import queues
from workers.enqueue import enqueue


def add_events(app: Flask, acct: Account, n: int, at: datetime) -> None:
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        session = get_session()
        for _ in range(n):
            session.add(Event(uuid=uuid.uuid4(), event="$pageview", distinct_id="d", timestamp=at))
        session.commit()


def run_job(app: Flask, path: str) -> None:
    with app.app_context():
        enqueue(path, queue=queues.BILLING)
    drain(app)


def meter_calls(fake: FakeStripe) -> list[dict[str, str]]:
    return [
        {**r.params, "idem": r.headers.get("Idempotency-Key", "")}
        for r in fake.calls("POST", "/v1/billing/meter_events")
    ]


def test_usage_is_reported_once_and_late_data_as_delta(
    capi: Api, fake: FakeStripe, deliver: Deliver
) -> None:
    owner = capi.signup()
    free_org = capi.signup()
    customer = subscribe(capi, owner, fake, deliver)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday, before = today - timedelta(days=1), today - timedelta(days=2)
    add_events(capi.app, owner, 5, yesterday)
    add_events(capi.app, owner, 2, before)
    add_events(capi.app, owner, 1, today)  # today is not metered yet
    add_events(capi.app, free_org, 4, yesterday)
    run_job(capi.app, "workers.jobs.billing.meter_usage")
    org = owner.organization_id
    day1, day2 = yesterday.date().isoformat(), before.date().isoformat()
    calls = meter_calls(fake)
    assert sorted((c["identifier"], c["payload[value]"]) for c in calls) == [
        (f"{org}:events:{day2}", "2"),
        (f"{org}:events:{day1}", "5"),
    ]
    assert all(c["idem"] == c["identifier"] for c in calls)
    assert {c["payload[stripe_customer_id]"] for c in calls} == {customer}
    run_job(capi.app, "workers.jobs.billing.meter_usage")  # a re-run bills nothing again
    assert len(meter_calls(fake)) == 2
    add_events(capi.app, owner, 3, yesterday + timedelta(hours=1))  # late data
    run_job(capi.app, "workers.jobs.billing.meter_usage")
    late = meter_calls(fake)[2:]
    assert [(c["identifier"], c["payload[value]"]) for c in late] == [
        (f"{org}:events:{day1}:delta:1", "3")
    ]
    run_job(capi.app, "workers.jobs.billing.meter_usage")
    assert len(meter_calls(fake)) == 3
    with capi.app.app_context(), tenant_scope(uuid.UUID(org)):
        rows = list(get_session().scalars(select(UsageRecord)))
        assert sum(r.quantity for r in rows) == 10 and {r.status for r in rows} == {"sent"}
    with capi.app.app_context(), tenant_scope(uuid.UUID(free_org.organization_id)):
        local = list(get_session().scalars(select(UsageRecord)))
        assert [(r.quantity, r.status) for r in local] == [(4, "local")]
    assert status(capi, owner)["usage"]["events"] == 8  # yesterday is in the current period


def capture(api: Api, acct: Account, n: int) -> None:
    with api.app.app_context():
        from app.projects.models import Project

        with tenant_scope(uuid.UUID(acct.organization_id)):
            token = get_session().get(Project, acct.project_id).api_token  # type: ignore[union-attr]
    batch = [{"event": "e", "distinct_id": "u", "properties": {}} for _ in range(n)]
    resp = api.new_client().post("/batch/", json={"api_key": token, "batch": batch})
    assert resp.status_code == 200, resp.get_data()


def overflow_rows(app: Flask, acct: Account) -> int:
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        return int(get_session().scalar(select(func.count()).select_from(IngestionOverflow)) or 0)


def warnings(app: Flask, acct: Account) -> list[Any]:
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id)):
        rows = get_session().scalars(
            select(ActivityLog).where(ActivityLog.action == "allowance_warning")
        )
        return sorted(r.detail["percent"] for r in rows)


def test_cloud_allowance_warns_pauses_and_replays_on_upgrade(
    app_factory: Any, fake: FakeStripe
) -> None:
    app = app_factory(**cloud_settings(fake, CLOUD_FREE_EVENTS_PER_MONTH=10))
    api = Api(app)
    deliver = Deliver(api)
    owner = api.signup()
    now = datetime.now(UTC) - timedelta(minutes=1)
    add_events(app, owner, 8, now)
    run_job(app, "workers.jobs.billing.check_allowances")
    assert warnings(app, owner) == [80]
    assert status(api, owner)["allowance"] == {
        "limit": 10,
        "events": 8,
        "paused": False,
        "applies": True,
    }
    add_events(app, owner, 2, now)
    run_job(app, "workers.jobs.billing.check_allowances")
    run_job(app, "workers.jobs.billing.check_allowances")  # warnings are sent once per period
    assert warnings(app, owner) == [80, 100]
    subjects = [m.subject for m in app.extensions["mail_outbox"] if m.to == owner.email]
    assert sum("80%" in s for s in subjects) == 1 and sum("100%" in s for s in subjects) == 1
    with app.app_context():
        assert allowance.is_over(uuid.UUID(owner.organization_id), owner.project_id)
    capture(api, owner, 3)  # still answered 200, kept in the overflow
    assert overflow_rows(app, owner) == 1
    subscribe(api, owner, fake, deliver)  # upgrade: pause lifted, overflow replayed
    assert overflow_rows(app, owner) == 0
    with app.app_context():
        assert not allowance.is_over(uuid.UUID(owner.organization_id), owner.project_id)


def test_self_hosted_has_no_allowance(app_factory: Any) -> None:
    app = app_factory(CLOUD_FREE_EVENTS_PER_MONTH=1)
    api = Api(app)
    owner = api.signup()
    add_events(app, owner, 5, datetime.now(UTC) - timedelta(minutes=1))
    run_job(app, "workers.jobs.billing.check_allowances")
    with app.app_context(), tenant_scope(uuid.UUID(owner.organization_id)):
        assert get_session().scalar(select(func.count()).select_from(AllowanceState)) == 0
        state = AllowanceState(period_start=datetime.now(UTC).date().replace(day=1), paused=True)
        get_session().add(state)
        get_session().commit()
    with app.app_context():
        assert not allowance.is_over(uuid.UUID(owner.organization_id), owner.project_id)
    capture(api, owner, 5)
    assert overflow_rows(app, owner) == 0
    body = status(api, owner)
    assert body["allowance"] is None and body["edition"] == "free" and body["source"] == "free"
    resp = api.post(
        owner,
        f"/api/organizations/{owner.organization_id}/billing/checkout/",
        {"edition": "growth"},
    )
    assert resp.status_code == 409
