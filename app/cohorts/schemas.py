"""Schemas for cohorts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.cohorts.models import Cohort


class CohortCreate(BaseModel):
    name: str = Field(min_length=1, max_length=400)
    description: str = Field(default="", max_length=1000)
    filters: dict[str, Any] = Field(default_factory=dict)
    groups: list[dict[str, Any]] | None = None  # legacy PostHog format
    is_static: bool = False
    distinct_ids: list[str] | None = Field(default=None, max_length=100_000)


class CohortUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=400)
    description: str | None = Field(default=None, max_length=1000)
    filters: dict[str, Any] | None = None
    groups: list[dict[str, Any]] | None = None
    deleted: bool | None = None
    distinct_ids: list[str] | None = Field(default=None, max_length=100_000)


class CohortRead(BaseModel):
    id: int
    name: str
    description: str
    filters: dict[str, Any]
    groups: list[Any]
    is_static: bool
    is_calculating: bool
    last_calculation: datetime | None
    errors_calculating: int
    count: int | None
    version: int | None
    deleted: bool
    created_at: datetime

    @classmethod
    def of(cls, cohort: Cohort) -> CohortRead:
        return cls(
            id=cohort.id,
            name=cohort.name,
            description=cohort.description,
            filters=cohort.filters or {},
            groups=list((cohort.filters or {}).get("groups") or []),
            is_static=cohort.is_static,
            is_calculating=cohort.is_calculating,
            last_calculation=cohort.last_calculation,
            errors_calculating=cohort.errors_calculating,
            count=cohort.count,
            version=cohort.version,
            deleted=cohort.deleted,
            created_at=cohort.created_at,
        )


class CohortPersonRead(BaseModel):
    id: str
    uuid: str
    distinct_ids: list[str]
    properties: dict[str, Any]
    is_identified: bool
    created_at: datetime
