"""Insight request/response schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.insights.models import Insight, SharingConfiguration


class InsightCreate(BaseModel):
    name: str = Field(default="", max_length=400)
    description: str = Field(default="", max_length=10000)
    query: dict[str, Any]
    tags: list[str] = Field(default_factory=list, max_length=50)
    favorited: bool = False
    saved: bool = True


class InsightUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=400)
    description: str | None = Field(default=None, max_length=10000)
    query: dict[str, Any] | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    favorited: bool | None = None
    saved: bool | None = None
    deleted: bool | None = None


class ResultFields(BaseModel):
    """The cached query result and its freshness, as the query API reports them."""

    result: Any = None
    last_refresh: str | None = None
    is_cached: bool = False
    next_allowed_client_refresh: str | None = None
    cache_target_age: str | None = None
    query_status: dict[str, Any] | None = None


class InsightRead(ResultFields):
    id: int
    short_id: str
    name: str
    description: str
    query: dict[str, Any]
    tags: list[Any]
    favorited: bool
    saved: bool
    created_at: datetime
    last_modified_at: datetime

    @classmethod
    def of(cls, insight: Insight, response: dict[str, Any] | None = None) -> InsightRead:
        extra = _result_fields(response)
        return cls(
            id=insight.id,
            short_id=insight.short_id,
            name=insight.name,
            description=insight.description,
            query=insight.query,
            tags=insight.tags,
            favorited=insight.favorited,
            saved=insight.saved,
            created_at=insight.created_at,
            last_modified_at=insight.last_modified_at,
            **extra,
        )


def _result_fields(response: dict[str, Any] | None) -> dict[str, Any]:
    if not response:
        return {}
    return {
        "result": response.get("results"),
        "last_refresh": response.get("last_refresh"),
        "is_cached": bool(response.get("is_cached")),
        "next_allowed_client_refresh": response.get("next_allowed_client_refresh"),
        "cache_target_age": response.get("cache_target_age"),
        "query_status": response.get("query_status"),
    }


class SharingRead(BaseModel):
    created_at: datetime
    enabled: bool
    access_token: str

    @classmethod
    def of(cls, config: SharingConfiguration) -> SharingRead:
        return cls(
            created_at=config.created_at, enabled=config.enabled, access_token=config.access_token
        )


class SharingUpdate(BaseModel):
    enabled: bool


class SharedInsightRead(ResultFields):
    """What a public link shows: the insight and its result, nothing else of the project."""

    short_id: str
    name: str
    description: str
    query: dict[str, Any]

    @classmethod
    def of(cls, insight: Insight, response: dict[str, Any] | None) -> SharedInsightRead:
        return cls(
            short_id=insight.short_id,
            name=insight.name,
            description=insight.description,
            query=insight.query,
            **_result_fields(response),
        )


class SharedTileRead(BaseModel):
    """One tile of a shared dashboard: an insight with its result, or a text card."""

    id: int
    insight: SharedInsightRead | None
    text: str | None
    layouts: dict[str, Any]
    color: str | None


class SharedDashboardRead(BaseModel):
    """What a public dashboard link shows: the dashboard's name, filters and tiles."""

    name: str
    description: str
    filters: dict[str, Any]
    tiles: list[SharedTileRead]


class SharedRead(BaseModel):
    """A public link's content: exactly one of `insight` and `dashboard` is set."""

    insight: SharedInsightRead | None = None
    dashboard: SharedDashboardRead | None = None
