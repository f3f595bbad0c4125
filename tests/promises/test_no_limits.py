"""Promise 1: self-hosted Free has no arbitrary limits (past every round number, no cap, no warning).

Most of the million events are written server-side in bulk (INSERT ... SELECT over
generate_series, straight into the events table: ingestion's per-row path runs at ~4k rows/s
on the 2-core CI box, too slow for a test); then 50,000 more go through the event store's bulk
write path (app.events.store, what ingestion writes through) and real capture requests still
succeed and are stored, with no cap and no warning past the million.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app.db import get_session, utcnow
from app.events.models import Event
from app.events.store import get_store
from app.persons.models import Person
from app.tenancy import tenant_scope
from tests.helpers import Account, Api
from tests.promises.conftest import capture_batch, drain

MILLION = 1_000_000
THROUGH_STORE = 50_000
BULK_SQL = text(
    """
    INSERT INTO events (project_id, uuid, event, distinct_id, timestamp, created_at,
                        properties, elements_chain, group0, group1, group2, group3, group4,
                        person_mode)
    SELECT :project_id, gen_random_uuid(), 'event_' || (n % 50), 'user-' || (n % 25000),
           now() - n * interval '1 second', now(), jsonb_build_object('n', n), '',
           '', '', '', '', '', 'full'
    FROM generate_series(:first, :last) AS n
    """
)


def _rows(project_id: int, start: int, count: int) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "uuid": uuid.uuid4(),
            "event": f"event_{i % 50}",
            "distinct_id": f"user-{i % 25_000}",
            "person_id": None,
            "timestamp": now - timedelta(seconds=i),
            "created_at": now,
            "properties": {"n": i},
            "elements_chain": "",
            "group0": "",
            "group1": "",
            "group2": "",
            "group3": "",
            "group4": "",
            "person_mode": "full",
            "project_id": project_id,
        }
        for i in range(start, start + count)
    ]


def _event_count(app: Flask, acct: Account) -> int:
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        return int(get_session().scalar(select(func.count(Event.id))) or 0)


@pytest.mark.slow
def test_more_than_a_million_events_then_capture_still_stores(
    app: Flask, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    acct = api.signup()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
            session = get_session()
            bulk = MILLION - THROUGH_STORE
            for first in range(0, bulk, 250_000):
                last = min(first + 250_000, bulk) - 1
                params = {"project_id": acct.project_id, "first": first, "last": last}
                session.execute(BULK_SQL, params)
                session.commit()
            for start in range(bulk, MILLION, 10_000):
                get_store(session).insert(_rows(acct.project_id, start, 10_000))
                session.commit()
        resp = capture_batch(app, acct, [f"after-{i}" for i in range(10)])
        drain(app)
    assert resp.status_code == 200, resp.get_data()
    assert _event_count(app, acct) == MILLION + 10
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert time.monotonic() - started < 180


@pytest.mark.slow
def test_more_than_ten_thousand_persons_through_capture(
    app: Flask, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    acct = api.signup()
    with caplog.at_level(logging.WARNING):
        for batch in range(11):
            ids = [f"person-{batch}-{i}" for i in range(1000)]
            assert capture_batch(app, acct, ids).status_code == 200
        drain(app)
    with app.app_context(), tenant_scope(uuid.UUID(acct.organization_id), acct.project_id):
        persons = get_session().scalar(select(func.count(Person.id)))
    assert persons == 11_000
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def _add_members(app: Flask, owner: Account, count: int) -> None:
    """The real invite flow's services: invite by email, the invitee's account accepts it."""
    from app.auth.models import User
    from app.auth.service import create_user
    from app.members.service import accept_invite, create_invite
    from app.organizations.models import Organization

    org_id = uuid.UUID(owner.organization_id)
    with app.app_context(), tenant_scope(org_id):
        session = get_session()
        org = session.get(Organization, org_id)
        inviter = session.get(User, uuid.UUID(owner.user_id))
        assert org is not None and inviter is not None
        for i in range(count):
            email = f"member-{i}@bigteam.example.com"
            _invite, token = create_invite(
                org=org, inviter=inviter, inviter_level=15, email=email, level=1, project_ids=[]
            )
            accept_invite(token=token, user=create_user(email=email, password=None, first_name="M"))
            if i % 250 == 249:
                session.commit()
        session.commit()


def _add_projects(app: Flask, owner: Account, count: int) -> None:
    from app.projects.service import create_project

    with app.app_context(), tenant_scope(uuid.UUID(owner.organization_id)):
        for i in range(count):
            create_project(name=f"Project {i}")
        get_session().commit()


@pytest.mark.slow
def test_more_than_a_thousand_members_and_projects(app: Flask, api: Api) -> None:
    owner = api.signup()
    org = owner.organization_id
    _add_members(app, owner, 1_001)
    _add_projects(app, owner, 1_000)
    resp = api.post(owner, f"/api/organizations/{org}/projects/", {"name": "Project 1001"})
    assert resp.status_code == 201, resp.get_json()  # the API still creates past a thousand
    api.invite_and_join(owner)  # the API's own invite flow still works past a thousand
    members = api.get(owner, f"/api/organizations/{org}/members/?limit=1").get_json()
    projects = api.get(owner, f"/api/organizations/{org}/projects/?limit=1").get_json()
    assert members["count"] == 1_003
    assert projects["count"] == 1_002
