"""Schemas for the events and definitions API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Operator = Literal[
    "exact",
    "is_not",
    "icontains",
    "not_icontains",
    "regex",
    "not_regex",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_set",
    "is_not_set",
]


class PropertyFilter(BaseModel):
    key: str = Field(min_length=1, max_length=400)
    value: Any = None
    operator: Operator = "exact"
    type: Literal["event"] = "event"


class EventQuery(BaseModel):
    event: str | None = None
    distinct_id: str | None = None
    person_id: str | None = None
    properties: list[PropertyFilter] = Field(default_factory=list)
    after: datetime | None = None
    before: datetime | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = None


class EventRead(BaseModel):
    id: str
    uuid: str
    event: str
    distinct_id: str
    person_id: str | None
    timestamp: datetime
    created_at: datetime
    properties: dict[str, Any]
    elements_chain: str
    groups: dict[str, str]

    @classmethod
    def of(cls, event: Any) -> EventRead:
        return cls(
            id=str(event.uuid),
            uuid=str(event.uuid),
            event=event.event,
            distinct_id=event.distinct_id,
            person_id=str(event.person_id) if event.person_id else None,
            timestamp=event.timestamp,
            created_at=event.created_at,
            properties=event.properties or {},
            elements_chain=event.elements_chain or "",
            groups={
                f"$group_{i}": getattr(event, f"group{i}")
                for i in range(5)
                if getattr(event, f"group{i}")
            },
        )


class EventDefinitionRead(BaseModel):
    id: int
    name: str
    volume_30_day: int
    first_seen_at: datetime
    last_seen_at: datetime


class PropertyDefinitionRead(BaseModel):
    id: int
    name: str
    type: Literal["event", "person", "group"]
    group_type_index: int | None
    property_type: str | None
    is_numerical: bool
    volume: int
    last_seen_at: datetime
