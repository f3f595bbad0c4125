"""Reading events and definitions for the API, and GDPR deletion of a person's events."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select

from app.db import get_session
from app.errors import NotFound, ValidationError
from app.events.filters import property_clause
from app.events.models import Event, EventDefinition, PropertyDefinition
from app.events.schemas import EventQuery

PROPERTY_KINDS = {"event": 1, "person": 2, "group": 3}


def encode_cursor(event: Event) -> str:
    raw = f"{event.timestamp.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("Invalid cursor.", attr="cursor") from exc


def _dialect() -> str:
    return get_session().get_bind().dialect.name


def _filtered(query: EventQuery, distinct_ids: list[str] | None) -> Select[Event]:
    stmt = select(Event)
    if query.event:
        stmt = stmt.where(Event.event == query.event)
    if query.distinct_id:
        stmt = stmt.where(Event.distinct_id == query.distinct_id)
    if distinct_ids is not None:
        stmt = stmt.where(Event.distinct_id.in_(distinct_ids))
    if query.after:
        stmt = stmt.where(Event.timestamp >= query.after)
    if query.before:
        stmt = stmt.where(Event.timestamp < query.before)
    dialect = _dialect()
    for prop in query.properties:
        stmt = stmt.where(
            property_clause(Event.properties, prop.key, prop.operator, prop.value, dialect)
        )
    return stmt


def list_events(
    *, query: EventQuery, distinct_ids: list[str] | None
) -> tuple[list[Event], str | None]:
    """Newest first, with an opaque cursor for the next page (None at the end)."""
    stmt = _filtered(query, distinct_ids)
    if query.cursor:
        stamp, ident = decode_cursor(query.cursor)
        stmt = stmt.where(
            or_(Event.timestamp < stamp, and_(Event.timestamp == stamp, Event.id < ident))
        )
    stmt = stmt.order_by(Event.timestamp.desc(), Event.id.desc()).limit(query.limit + 1)
    rows = list(get_session().scalars(stmt))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None


def get_event(*, event_uuid: str) -> Event:
    try:
        parsed = uuid.UUID(event_uuid)
    except ValueError as exc:
        raise NotFound() from exc
    event = get_session().scalar(select(Event).where(Event.uuid == parsed))
    if event is None:
        raise NotFound()
    return event


def event_definitions(*, search: str | None) -> Select[EventDefinition]:
    stmt = select(EventDefinition)
    if search:
        stmt = stmt.where(EventDefinition.name.ilike(f"%{search}%"))
    return stmt.order_by(EventDefinition.volume_30_day.desc(), EventDefinition.name)


def property_definitions(
    *, search: str | None, kind: str | None, group_type_index: int | None
) -> Select[PropertyDefinition]:
    stmt = select(PropertyDefinition)
    if search:
        stmt = stmt.where(PropertyDefinition.name.ilike(f"%{search}%"))
    if kind:
        if kind not in PROPERTY_KINDS:
            raise ValidationError("type must be event, person or group.", attr="type")
        stmt = stmt.where(PropertyDefinition.type == PROPERTY_KINDS[kind])
    if group_type_index is not None:
        stmt = stmt.where(PropertyDefinition.group_type_index == group_type_index)
    return stmt.order_by(PropertyDefinition.volume.desc(), PropertyDefinition.name)


def serialize_property(definition: PropertyDefinition) -> dict[str, Any]:
    kinds = {v: k for k, v in PROPERTY_KINDS.items()}
    return {
        "id": definition.id,
        "name": definition.name,
        "type": kinds.get(definition.type, "event"),
        "group_type_index": definition.group_type_index if definition.type == 3 else None,
        "property_type": definition.property_type,
        "is_numerical": definition.property_type == "Numeric",
        "volume": definition.volume,
        "last_seen_at": definition.last_seen_at,
    }
