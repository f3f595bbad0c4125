"""Fixed datasets for the insight-kind tests: persons, distinct ids and events written as rows.

Naive timestamp strings are wall-clock times in the project's time zone (PostHog's
`_create_event` convention); strings ending in `Z` or with an offset are absolute.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import update

from app.db import get_session
from app.events.models import Event
from app.organizations.models import Organization
from app.persons.models import Person, PersonDistinctId
from app.persons.state import write_overrides
from app.projects.models import Project
from app.query.base import QueryContext
from app.tenancy import tenant_scope

_slug = itertools.count(1)


class Data:
    """One project and helpers to fill it; use inside `with data.scope():` or via run()."""

    def __init__(
        self,
        app: Flask,
        timezone: str = "UTC",
        week_start_day: int = 0,
        existing: tuple[uuid.UUID, int] | None = None,
    ) -> None:
        self.app = app
        self.timezone = timezone
        self.week_start_day = week_start_day
        self._persons: dict[str, Person] = {}
        if existing is not None:  # a project made through the API (signup)
            self.organization_id, self.project_id = existing
            return
        with app.app_context():
            session = get_session()
            org = Organization(name="Org", slug=f"org-{next(_slug)}-{uuid.uuid4().hex[:6]}")
            session.add(org)
            session.flush()
            self.organization_id = org.id
            with tenant_scope(org.id):
                project = Project(
                    name="P",
                    api_token=f"phc_{uuid.uuid4().hex}",
                    timezone=timezone,
                    week_start_day=week_start_day,
                )
                session.add(project)
                session.flush()
                self.project_id = project.id
            session.commit()

    @contextmanager
    def scope(self) -> Iterator[None]:
        with self.app.app_context(), tenant_scope(self.organization_id, self.project_id):
            yield
            get_session().commit()

    def when(self, value: str | datetime) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(self.timezone))
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(self.timezone))
        return parsed.astimezone(UTC)

    def person(
        self,
        *distinct_ids: str,
        properties: dict[str, Any] | None = None,
        created_at: str | datetime | None = None,
    ) -> Person:
        with self.scope():
            session = get_session()
            person = Person(properties=properties or {}, is_identified=False)
            if created_at is not None:
                person.created_at = self.when(created_at)
            session.add(person)
            session.flush()
            for did in distinct_ids:
                session.add(
                    PersonDistinctId(distinct_id=did, person_id=person.id, person_uuid=person.uuid)
                )
            session.flush()
            session.expunge(person)
        for did in distinct_ids:
            self._persons[did] = person
        return person

    def event(
        self,
        distinct_id: str,
        event: str,
        timestamp: str | datetime,
        properties: dict[str, Any] | None = None,
        **columns: Any,
    ) -> None:
        person = self._persons.get(distinct_id)
        columns.setdefault("person_id", person.uuid if person else None)
        with self.scope():
            get_session().add(
                Event(
                    uuid=uuid.uuid4(),
                    event=event,
                    distinct_id=distinct_id,
                    timestamp=self.when(timestamp),
                    properties=properties or {},
                    **columns,
                )
            )

    def events(self, distinct_id: str, *items: tuple[Any, ...]) -> None:
        for item in items:
            self.event(distinct_id, *item)

    def merge(self, source_did: str, target_did: str) -> None:
        """Move every distinct id of source's person to target's person and record the
        override, as an ingestion merge does (events already stored keep source's uuid)."""
        source, target = self._persons[source_did], self._persons[target_did]
        with self.scope():
            session = get_session()
            session.execute(
                update(PersonDistinctId)
                .where(PersonDistinctId.person_id == source.id)
                .values(person_id=target.id, person_uuid=target.uuid)
            )
            session.execute(
                update(Person)
                .where(Person.id == target.id)
                .values(created_at=min(source.created_at, target.created_at))
            )
            stale = session.get(Person, source.id)
            if stale is not None:
                session.delete(stale)
            write_overrides(session, self.project_id, [(source.uuid, target.uuid)])
        for did, person in list(self._persons.items()):
            if person.id == source.id:
                self._persons[did] = target

    def ctx(self, now: str | datetime = "2020-01-10T12:00:00Z") -> QueryContext:
        return QueryContext(self.project_id, self.timezone, self.week_start_day, self.when(now))

    def run(self, runner: Any, query: dict[str, Any], now: str = "2020-01-10T12:00:00Z") -> Any:
        with self.scope():
            return runner(query, self.ctx(now))
