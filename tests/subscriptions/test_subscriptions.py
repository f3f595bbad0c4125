"""Scheduled reports: the API (validation, the Growth gate, tenancy), the recurrence rule,
and delivery by the scheduled job through the real mail outbox and query engine."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from app.entitlements import Edition
from app.mail import outbox
from app.subscriptions import service
from app.subscriptions.models import Subscription
from tests.helpers import Account, Api, error
from tests.permissions.conftest import install_editions
from tests.query.data import Data
from workers import runner

QUERY: dict[str, Any] = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "dateRange": {"date_from": "2020-01-01", "date_to": "2020-01-03"},
}
START = "2026-01-05T09:00:00Z"  # a Monday


@pytest.fixture
def editions(app: Flask) -> dict[uuid.UUID, Edition]:
    return install_editions(app)


def _growth(editions: dict[uuid.UUID, Edition], acct: Account) -> None:
    editions[uuid.UUID(acct.organization_id)] = Edition.GROWTH


def _insight(app: Flask, api: Api, acct: Account, name: str = "Pageviews") -> int:
    d = Data(app, acct.project_id).person("a").person("b")
    d.event("$pageview", "a", "2020-01-01T10:00:00").event("$pageview", "b", "2020-01-02T10:00:00")
    d.event("$pageview", "a", "2020-01-03T10:00:00").save()
    body = {"name": name, "query": QUERY}
    created = api.post(acct, f"/api/projects/{acct.project_id}/insights/", body)
    assert created.status_code == 201, created.get_json()
    return int(created.get_json()["id"])


def _url(acct: Account) -> str:
    return f"/api/projects/{acct.project_id}/subscriptions/"


def _sub(**kw: Any) -> Subscription:
    fields = {
        "frequency": "weekly",
        "interval": 1,
        "start_date": datetime(2026, 1, 5, 9, tzinfo=UTC),
    }
    return Subscription(target_value="a@example.com", **{**fields, **kw})


def test_schedule_follows_the_recurrence_rule() -> None:
    monday = datetime(2026, 1, 5, 9, tzinfo=UTC)
    weekly = _sub(byweekday=["monday", "thursday"])
    assert service.next_after(weekly, monday) == datetime(2026, 1, 8, 9, tzinfo=UTC)
    assert service.next_after(weekly, monday, inclusive=True) == monday
    fortnightly = _sub(interval=2)
    assert service.next_after(fortnightly, monday) == datetime(2026, 1, 19, 9, tzinfo=UTC)
    last_friday = _sub(frequency="monthly", byweekday=["friday"], bysetpos=-1)
    assert service.next_after(last_friday, monday) == datetime(2026, 1, 30, 9, tzinfo=UTC)
    assert service.next_after(last_friday, datetime(2026, 1, 31, tzinfo=UTC)) == datetime(
        2026, 2, 27, 9, tzinfo=UTC
    )
    three_days = _sub(frequency="daily", count=3)
    assert service.next_after(three_days, datetime(2026, 1, 7, 9, tzinfo=UTC)) is None
    until = _sub(frequency="daily", until_date=datetime(2026, 1, 6, 12, tzinfo=UTC))
    assert service.next_after(until, monday) == datetime(2026, 1, 6, 9, tzinfo=UTC)
    assert service.next_after(until, datetime(2026, 1, 6, 9, tzinfo=UTC)) is None
    assert service.summary(fortnightly) == "sent every 2 weeks"
    assert service.summary(last_friday) == "sent every month on the last Friday"
    assert service.summary(three_days) == "sent every day, 3 times"


def test_api_validation_gate_and_tenancy(
    app: Flask, api: Api, editions: dict[uuid.UUID, Edition]
) -> None:
    acct, other = api.signup(), api.signup()
    insight_id = _insight(app, api, acct)
    body = {
        "insight": insight_id,
        "target_type": "email",
        "target_value": "ana@example.com, bo@example.com,ana@example.com",
        "frequency": "weekly",
        "byweekday": ["monday"],
        "start_date": START,
    }
    refused = api.post(acct, _url(acct), body)
    assert refused.status_code == 402 and error(refused)["code"] == "feature_not_in_plan"
    _growth(editions, acct)
    bad = [
        ({"target_value": "ana@example.com, not-an-address"}, "target_value"),
        ({"target_value": " , "}, "target_value"),
        ({"frequency": "hourly"}, "frequency"),
        ({"byweekday": ["funday"]}, "byweekday"),
        ({"bysetpos": 2, "byweekday": None}, "bysetpos"),
        ({"until_date": "2025-01-01T00:00:00Z"}, "until_date"),
        ({"dashboard": 1}, "insight"),
        ({"insight": insight_id + 1000}, "insight"),
        ({"target_type": "slack"}, "target_type"),
    ]
    for change, attr in bad:
        resp = api.post(acct, _url(acct), {**body, **change})
        assert resp.status_code == 400, (change, resp.get_json())
        assert error(resp)["attr"].split(".")[0] == attr, (change, resp.get_json())
    assert api.get(acct, _url(acct)).get_json()["count"] == 0
    created = api.post(acct, _url(acct), body)
    assert created.status_code == 201, created.get_json()
    sub = created.get_json()
    assert sub["target_value"] == "ana@example.com, bo@example.com"
    assert sub["summary"] == "sent every week on Monday"
    next_date = datetime.fromisoformat(sub["next_delivery_date"])
    assert next_date.weekday() == 0 and next_date.hour == 9 and next_date > datetime.now(UTC)
    item = f"{_url(acct)}{sub['id']}/"
    assert api.get(acct, _url(acct) + f"?insight={insight_id}").get_json()["count"] == 1
    assert api.get(acct, _url(acct) + "?insight=x").status_code == 400
    # another tenant: its own project's list is empty, our ids are 404, our insight unknown
    _growth(editions, other)
    assert api.get(other, _url(other)).get_json()["count"] == 0
    for method in ("GET", "PATCH", "DELETE"):
        assert api.call(other, method, item, json={"title": "x"}).status_code == 404
    assert (
        api.call(
            other, "GET", item.replace(str(acct.project_id), str(other.project_id))
        ).status_code
        == 404
    )
    stolen = api.post(other, _url(other), body)
    assert stolen.status_code == 400 and error(stolen)["attr"] == "insight"
    # edit: the schedule moves; a downgrade keeps the subscription readable and deletable
    edited = api.patch(
        acct, item, {"frequency": "monthly", "byweekday": ["friday"], "bysetpos": -1}
    )
    assert edited.get_json()["summary"] == "sent every month on the last Friday"
    assert datetime.fromisoformat(edited.get_json()["next_delivery_date"]).weekday() == 4
    del editions[uuid.UUID(acct.organization_id)]
    assert api.patch(acct, item, {"title": "x"}).status_code == 402
    assert api.get(acct, item).status_code == 200
    assert api.delete(acct, item).status_code == 204
    assert api.get(acct, item).status_code == 404


def _deliver(app: Flask, now: datetime) -> int:
    with app.app_context():
        return int(runner.run("workers.jobs.subscriptions.deliver_due", None, None, {"now": now}))


def test_due_reports_are_delivered_once_and_rescheduled(
    app: Flask, api: Api, editions: dict[uuid.UUID, Edition]
) -> None:
    acct = api.signup()
    _growth(editions, acct)
    insight_id = _insight(app, api, acct)
    body = {
        "insight": insight_id,
        "title": "Daily pageviews",
        "target_value": "ana@example.com, bo@example.com",
        "frequency": "daily",
        "start_date": START,
    }
    sub = api.post(acct, _url(acct), body).get_json()
    due = datetime.fromisoformat(sub["next_delivery_date"])
    with app.app_context():
        outbox().clear()
    assert _deliver(app, due - timedelta(minutes=1)) == 0  # not yet
    assert _deliver(app, due) == 1
    with app.app_context():
        mails = list(outbox())
    assert sorted(m.to for m in mails) == ["ana@example.com", "bo@example.com"]
    assert mails[0].subject == "Daily pageviews: your scheduled report"
    assert "$pageview: 3" in mails[0].body  # the insight's total over its range
    assert "/insights/" in mails[0].body and "sent every day" in mails[0].body
    after = api.get(acct, f"{_url(acct)}{sub['id']}/").get_json()
    assert datetime.fromisoformat(after["next_delivery_date"]) == due + timedelta(days=1)
    assert datetime.fromisoformat(after["last_delivered_at"]) == due
    assert _deliver(app, due) == 0  # delivered once per occurrence
    # lost the feature: the occurrence is skipped (nothing sent) and the schedule moves on
    del editions[uuid.UUID(acct.organization_id)]
    assert _deliver(app, due + timedelta(days=1)) == 0
    with app.app_context():
        assert len(outbox()) == 2
    later = api.get(acct, f"{_url(acct)}{sub['id']}/").get_json()
    assert datetime.fromisoformat(later["next_delivery_date"]) == due + timedelta(days=2)


def test_dashboard_report_and_test_delivery(
    app: Flask, api: Api, editions: dict[uuid.UUID, Edition]
) -> None:
    acct = api.signup()
    _growth(editions, acct)
    insight_id = _insight(app, api, acct, name="Views")
    board = {
        "name": "Board",
        "filters": {"date_from": "2020-01-02", "date_to": "2020-01-03"},
        "tiles": [{"insight_id": insight_id}, {"text": "note"}],
    }
    dashboard_id = api.post(acct, f"/api/projects/{acct.project_id}/dashboards/", board).get_json()[
        "id"
    ]
    body = {
        "dashboard": dashboard_id,
        "target_value": "ana@example.com",
        "frequency": "weekly",
        "start_date": START,
    }
    sub = api.post(acct, _url(acct), body).get_json()
    with app.app_context():
        outbox().clear()
    sent = api.post(acct, f"{_url(acct)}{sub['id']}/test-delivery/")
    assert sent.status_code == 200 and sent.get_json() == {"sent": 1}
    with app.app_context():
        (mail,) = outbox()
    assert mail.subject == "Board: your scheduled report"
    assert "Views" in mail.body and "$pageview: 2" in mail.body  # the dashboard's range
    assert f"/dashboard/{dashboard_id}" in mail.body
    unchanged = api.get(acct, f"{_url(acct)}{sub['id']}/").get_json()
    assert unchanged["next_delivery_date"] == sub["next_delivery_date"]
    assert unchanged["last_delivered_at"] is None
