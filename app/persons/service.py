"""Persons and groups for the API: search, read, edit properties, GDPR delete."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, or_, select

from app.activity import service as activity
from app.db import get_session
from app.errors import NotFound, ValidationError
from app.events.filters import property_clause
from app.events.store import get_store
from app.persons.models import Group, GroupTypeMapping, Person, PersonDistinctId


def _person_stmt(ref: str) -> Select[Person]:
    if ref.isdigit():
        return select(Person).where(Person.id == int(ref))
    try:
        return select(Person).where(Person.uuid == uuid.UUID(ref))
    except ValueError as exc:
        raise NotFound() from exc


def get_person(*, ref: str) -> Person:
    """A person by numeric id or uuid (404 when absent or another project's)."""
    person = get_session().scalar(_person_stmt(ref))
    if person is None:
        raise NotFound()
    return person


def distinct_ids_of(persons: Sequence[Person]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if not persons:
        return out
    rows = get_session().execute(
        select(PersonDistinctId.person_id, PersonDistinctId.distinct_id)
        .where(PersonDistinctId.person_id.in_([p.id for p in persons]))
        .order_by(PersonDistinctId.id)
    )
    for person_id, distinct_id in rows:
        out[person_id].append(distinct_id)
    return out


def distinct_ids_for(ref: str) -> list[str]:
    """Every distinct id of the person `ref` (empty when there is no such person)."""
    try:
        person = get_person(ref=ref)
    except NotFound:
        return []
    return distinct_ids_of([person]).get(person.id, [])


def search_persons(
    *, search: str | None, distinct_id: str | None, properties: list[dict[str, Any]]
) -> Select[Person]:
    stmt = select(Person)
    if distinct_id:
        stmt = stmt.where(Person.id.in_(_ids_with_distinct_id(distinct_id)))
    if search:
        pattern = f"%{search}%"
        stmt = stmt.where(
            or_(
                Person.properties["email"].as_string().ilike(pattern),
                Person.properties["name"].as_string().ilike(pattern),
                Person.id.in_(_ids_with_distinct_id(search)),
            )
        )
    dialect = get_session().get_bind().dialect.name
    for prop in properties:
        stmt = stmt.where(
            property_clause(
                Person.properties, prop["key"], prop["operator"], prop.get("value"), dialect
            )
        )
    return stmt.order_by(Person.created_at.desc(), Person.id.desc())


def _ids_with_distinct_id(distinct_id: str) -> Select[int]:
    return select(PersonDistinctId.person_id).where(PersonDistinctId.distinct_id == distinct_id)


def update_person(*, person: Person, properties: dict[str, Any], unset: list[str]) -> Person:
    """Set (and unset) person properties, as a `$set` would."""
    before = dict(person.properties or {})
    new = {**before, **properties}
    for key in unset:
        new.pop(key, None)
    person.properties = new
    person.version = (person.version or 0) + 1
    activity.record(
        action="updated",
        scope="Person",
        item_id=person.id,
        name=str(person.uuid),
        changes=activity.diff(before, new),
        project_id=person.project_id,
    )
    return person


def delete_person(*, person: Person, delete_events: bool) -> int:
    """Delete the person and its distinct ids; with delete_events, their events too (GDPR)."""
    session = get_session()
    ids = distinct_ids_of([person]).get(person.id, [])
    removed = (
        get_store(session).delete_for_distinct_ids(person.project_id, ids) if (delete_events) else 0
    )
    session.execute(
        delete(PersonDistinctId)
        .where(PersonDistinctId.person_id == person.id)
        .execution_options(synchronize_session=False)
    )
    activity.record(
        action="deleted",
        scope="Person",
        item_id=person.id,
        name=str(person.uuid),
        project_id=person.project_id,
    )
    session.delete(person)
    return removed


def groups(*, group_type_index: int | None, search: str | None) -> Select[Group]:
    if group_type_index is None:
        raise ValidationError("group_type_index is required.", attr="group_type_index")
    stmt = select(Group).where(Group.group_type_index == group_type_index)
    if search:
        stmt = stmt.where(Group.group_key.ilike(f"%{search}%"))
    return stmt.order_by(Group.created_at.desc(), Group.id.desc())


def find_group(*, group_type_index: int, group_key: str) -> Group:
    group = get_session().scalar(
        select(Group).where(
            Group.group_type_index == group_type_index, Group.group_key == group_key
        )
    )
    if group is None:
        raise NotFound()
    return group


def group_types() -> list[GroupTypeMapping]:
    return list(
        get_session().scalars(select(GroupTypeMapping).order_by(GroupTypeMapping.group_type_index))
    )
