"""Tell readers about new data once the transaction that wrote it commits.

Stored events make cached insight results of live ranges stale (`bump_data_version`, once
per project per commit); a new group type changes the flags' local-evaluation definitions
(`invalidate`); persons or distinct ids changed through the ORM anywhere (person API edits
and deletes) drop the flags' cached person properties, as stored events do
(`persons_changed`). All run only after COMMIT (a reader must see the rows the new version
promises) and are dropped on rollback (the retry records them again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import has_app_context
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.persons.models import Person, PersonDistinctId

log = logging.getLogger(__name__)
_KEY = "burrow_ingest_notify"


@dataclass
class Pending:
    events: set[int] = field(default_factory=set)
    group_types: set[int] = field(default_factory=set)
    persons: set[int] = field(default_factory=set)


def _pending(session: Session) -> Pending:
    pending = session.info.get(_KEY)
    if pending is None:
        pending = session.info[_KEY] = Pending()
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
    assert isinstance(pending, Pending)
    return pending


def events_stored(session: Session, project_id: int) -> None:
    _pending(session).events.add(project_id)


def group_type_created(session: Session, project_id: int) -> None:
    _pending(session).group_types.add(project_id)


def _after_rollback(session: Session) -> None:
    pending = session.info.get(_KEY)
    if isinstance(pending, Pending):
        pending.events.clear()
        pending.group_types.clear()
        pending.persons.clear()


def _note_person_writes(session: Session, _context: Any) -> None:
    """after_flush on every session: the projects whose persons or distinct ids changed."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Person | PersonDistinctId) and obj.project_id is not None:
            _pending(session).persons.add(int(obj.project_id))


def _after_commit(session: Session) -> None:
    pending = session.info.get(_KEY)
    if not isinstance(pending, Pending) or not (
        pending.events or pending.group_types or pending.persons
    ):
        return
    events, groups = sorted(pending.events), sorted(pending.group_types)
    persons = sorted(pending.events | pending.persons)
    pending.events.clear()
    pending.group_types.clear()
    pending.persons.clear()
    if not has_app_context():
        return
    from app.feature_flags.definitions import invalidate
    from app.feature_flags.remote import persons_changed
    from app.query.cache import bump_data_version

    try:
        for project_id in events:
            bump_data_version(project_id)
        for project_id in persons:
            persons_changed(project_id)  # cached person properties for /flags
        for project_id in groups:
            invalidate(project_id)
    except RedisError as exc:  # the data is committed; caches catch up by age
        log.warning("ingestion: could not invalidate caches: %s", exc)


if not event.contains(Session, "after_flush", _note_person_writes):
    event.listen(Session, "after_flush", _note_person_writes)
