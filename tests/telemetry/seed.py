"""Seed an instance with recognisable values that must never appear in the usage report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from app.db import get_session, utcnow
from app.events.models import Event
from app.persons.models import Person, PersonDistinctId
from app.tenancy import tenant_scope
from tests.helpers import Account, Api

SECRETS = {
    "email": "zebra.owner@quokkasecret.example.com",
    "first_name": "Zanzibarina",
    "last_name": "Quokkason",
    "organization_name": "Quokka Secret Industries",
    "member_email": "hidden.member@quokkasecret.example.com",
    "distinct_id": "distinct-zz-991-secret",
    "event": "secret_checkout_event_xyz",
    "property_value": "plan-value-qqq-secret",
    "ip": "203.0.113.77",
    "url": "https://private.quokka.example/secret-path",
    "person_email": "person.tracked@customersecret.example.com",
}


@dataclass
class Seeded:
    owner: Account
    member: Account
    events_yesterday: int
    events_today: int


def yesterday_noon() -> datetime:
    return datetime.combine(
        (utcnow() - timedelta(days=1)).date(), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=12)


def seed(app: Flask, api: Api, *, events_yesterday: int = 7, events_today: int = 3) -> Seeded:
    owner = api.signup(
        SECRETS["email"],
        first_name=SECRETS["first_name"],
        last_name=SECRETS["last_name"],
        organization_name=SECRETS["organization_name"],
    )
    member = api.invite_and_join(owner, email=SECRETS["member_email"])
    with app.app_context(), tenant_scope(uuid.UUID(owner.organization_id), owner.project_id):
        session = get_session()
        person = Person(uuid=uuid.uuid4(), properties={"email": SECRETS["person_email"]})
        session.add(person)
        session.flush()
        session.add(
            PersonDistinctId(
                distinct_id=SECRETS["distinct_id"], person_id=person.id, person_uuid=person.uuid
            )
        )
        for i in range(events_yesterday + events_today):
            created = yesterday_noon() if i < events_yesterday else utcnow()
            session.add(_event(person.uuid, created))
        session.commit()
    return Seeded(owner, member, events_yesterday, events_today)


def _event(person_uuid: uuid.UUID, created: datetime) -> Event:
    properties: dict[str, Any] = {
        "plan": SECRETS["property_value"],
        "$ip": SECRETS["ip"],
        "$current_url": SECRETS["url"],
        "email": SECRETS["person_email"],
    }
    return Event(
        uuid=uuid.uuid4(),
        event=SECRETS["event"],
        distinct_id=SECRETS["distinct_id"],
        person_id=person_uuid,
        timestamp=created,
        created_at=created,
        properties=properties,
    )
