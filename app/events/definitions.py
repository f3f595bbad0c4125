"""Event and property definitions kept up to date by ingestion, one upsert per chunk."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.events.models import EventDefinition, PropertyDefinition

EVENT, PERSON, GROUP = 1, 2, 3
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
SKIP_PROPS = frozenset({"$set", "$set_once", "$unset", "$groups", "$group_set"})

PropKey = tuple[int, int, str]


def infer_type(value: Any) -> str | None:
    """String, Numeric, Boolean or DateTime, as PostHog infers them; None for null/containers."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Numeric"
    if isinstance(value, str):
        return "DateTime" if _DATE.match(value) else "String"
    return None


class DefinitionTracker:
    """Counts names over a chunk of events, then upserts them in two statements."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()
        self.props: Counter[PropKey] = Counter()
        self.types: dict[PropKey, str] = {}
        self.event_props: Counter[str] = Counter()
        self.typed_event_props: set[str] = set()

    def _prop(self, kind: int, index: int, name: str, value: Any) -> None:
        key = (kind, index, name[:400])
        self.props[key] += 1
        if key not in self.types:
            inferred = infer_type(value)
            if inferred is not None:
                self.types[key] = inferred

    def _dict(self, kind: int, index: int, values: Any) -> None:
        if isinstance(values, dict):
            for name, value in values.items():
                self._prop(kind, index, str(name), value)

    def add_event(self, name: str, props: dict[str, Any]) -> None:
        self.events[name] += 1
        self.event_props.update(props.keys())  # C-speed counting; types only for new names
        for key in props.keys() - self.typed_event_props:
            inferred = infer_type(props[key])
            if inferred is not None:
                self.typed_event_props.add(key)
                self.types.setdefault((EVENT, -1, key[:400]), inferred)
        self._dict(PERSON, -1, props.get("$set"))
        self._dict(PERSON, -1, props.get("$set_once"))

    def add_group(self, index: int, props: dict[str, Any]) -> None:
        self._dict(GROUP, index, props)

    def save(self, session: Session, project_id: int, seen_at: datetime) -> None:
        for key, count in self.event_props.items():
            if key not in SKIP_PROPS:
                self.props[(EVENT, -1, key[:400])] += count
        self.event_props.clear()
        module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        if self.events:
            self._save_events(session, module, project_id, seen_at)
        if self.props:
            self._save_props(session, module, project_id, seen_at)

    def _save_events(self, session: Session, module: Any, project_id: int, at: datetime) -> None:
        rows = [
            {
                "project_id": project_id,
                "name": name[:400],
                "volume_30_day": count,
                "first_seen_at": at,
                "last_seen_at": at,
            }
            for name, count in sorted(self.events.items())
        ]
        stmt = module.insert(EventDefinition.__table__).values(rows)
        table = EventDefinition.__table__
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["project_id", "name"],
                set_={
                    "volume_30_day": table.c.volume_30_day + stmt.excluded.volume_30_day,
                    "last_seen_at": stmt.excluded.last_seen_at,
                },
            )
        )

    def _save_props(self, session: Session, module: Any, project_id: int, at: datetime) -> None:
        rows = [
            {
                "project_id": project_id,
                "type": kind,
                "group_type_index": index,
                "name": name,
                "property_type": self.types.get((kind, index, name)),
                "volume": count,
                "last_seen_at": at,
            }
            for (kind, index, name), count in sorted(self.props.items())
        ]
        table = PropertyDefinition.__table__
        for start in range(0, len(rows), 500):
            stmt = module.insert(table).values(rows[start : start + 500])
            session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["project_id", "type", "group_type_index", "name"],
                    set_={
                        "volume": table.c.volume + stmt.excluded.volume,
                        "last_seen_at": stmt.excluded.last_seen_at,
                        "property_type": _coalesce(table.c.property_type, stmt.excluded),
                    },
                )
            )


def _coalesce(current: Any, excluded: Any) -> Any:
    from sqlalchemy import func

    return func.coalesce(current, excluded.property_type)
