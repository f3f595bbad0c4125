"""Small fixed datasets for insight tests, written through the event store.

Timestamps follow PostHog's test convention: a naive string is wall-clock time in the
project's time zone; a string ending in `Z` is UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from app.db import get_session
from app.events.store import get_store
from app.persons.models import Person, PersonDistinctId
from app.projects.models import Project
from app.query.base import QueryContext
from app.query.registry import run_query
from app.tenancy import tenant_scope, unscoped
from tests.helpers import Api


def make_project(api: Api, tz: str = "UTC", week_start: int = 0) -> tuple[Any, int]:
    """A fresh project (in one signed-up account per app) with the given zone and week start.

    Signing up once and adding projects directly keeps clear of the signup rate limit.
    """
    acct = getattr(api, "_query_account", None)
    if acct is None:
        acct = api.signup()
        api._query_account = acct  # type: ignore[attr-defined]
    with api.app.app_context(), unscoped():
        session = get_session()
        project = Project(
            name=f"p-{uuid.uuid4().hex[:8]}",
            api_token=f"phc_{uuid.uuid4().hex}",
            organization_id=acct.organization_id,
            timezone=tz,
            week_start_day=week_start,
        )
        session.add(project)
        session.commit()
        return acct, project.id


class Data:
    """Builder for persons and events of one project."""

    def __init__(self, app: Flask, project_id: int) -> None:
        self.app, self.project_id = app, project_id
        with app.app_context(), unscoped():
            project = get_session().scalars(select(Project).where(Project.id == project_id)).one()
            self.org_id, self.tz = project.organization_id, ZoneInfo(project.timezone)
        self.events: list[dict[str, Any]] = []
        self.persons: list[tuple[list[str], dict[str, Any], datetime | None]] = []
        self.person_of: dict[str, uuid.UUID] = {}  # distinct id -> person uuid, as saved

    def ts(self, value: str | datetime) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.tz)
        if value.endswith("Z"):
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
        return datetime.fromisoformat(value).replace(tzinfo=self.tz)

    def person(self, *distinct_ids: str, created_at: str | None = None, **properties: Any) -> Data:
        self.persons.append(
            (list(distinct_ids), properties, self.ts(created_at) if created_at else None)
        )
        return self

    def event(
        self,
        event: str,
        distinct_id: str,
        timestamp: str | datetime,
        properties: dict[str, Any] | None = None,
        groups: dict[int, str] | None = None,
    ) -> Data:
        row: dict[str, Any] = {
            "uuid": uuid.uuid4(),
            "event": event,
            "distinct_id": distinct_id,
            "person_id": None,
            "timestamp": self.ts(timestamp),
            "created_at": datetime.now(UTC),
            "properties": properties or {},
            "elements_chain": "",
            "person_mode": "full",
            "project_id": self.project_id,
        }
        for i in range(5):
            row[f"group{i}"] = (groups or {}).get(i, "")
        self.events.append(row)
        return self

    def save(self) -> Data:
        with self.app.app_context(), tenant_scope(self.org_id, self.project_id):
            session = get_session()
            for distinct_ids, props, created in self.persons:
                person = Person(properties=props, project_id=self.project_id)
                if created is not None:
                    person.created_at = created
                session.add(person)
                session.flush()
                for did in distinct_ids:
                    self.person_of[did] = person.uuid
                    session.add(
                        PersonDistinctId(
                            distinct_id=did,
                            person_id=person.id,
                            person_uuid=person.uuid,
                            project_id=self.project_id,
                        )
                    )
            for row in self.events:  # the person at ingestion, as ingestion stores it
                row["person_id"] = self.person_of.get(row["distinct_id"])
            get_store(session).insert(self.events)
            session.commit()
        self.events, self.persons = [], []
        return self


def run(
    app: Flask,
    project_id: int,
    query: dict[str, Any],
    now: str,
    tz: str = "UTC",
    week_start: int = 0,
) -> dict[str, Any]:
    """Run a query directly through the registry with a pinned "now" (UTC)."""
    ctx = QueryContext(project_id, tz, week_start, datetime.fromisoformat(now).replace(tzinfo=UTC))
    with app.app_context(), unscoped():
        return run_query(query, ctx)
