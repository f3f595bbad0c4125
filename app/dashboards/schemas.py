"""Dashboard request/response schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class DashboardFilters(BaseModel):
    date_from: str | None = None
    date_to: str | None = None
    explicitDate: bool | None = None  # noqa: N815 - PostHog's field name
    properties: list[Any] | dict[str, Any] | None = None


class TileIn(BaseModel):
    insight_id: int | None = None
    text: str | None = Field(default=None, max_length=10000)
    layouts: dict[str, Any] = Field(default_factory=dict)
    color: str | None = Field(default=None, max_length=40)


class DashboardCreate(BaseModel):
    name: str = Field(default="", max_length=400)
    description: str = Field(default="", max_length=10000)
    tags: list[str] = Field(default_factory=list, max_length=50)
    filters: DashboardFilters = Field(default_factory=DashboardFilters)
    pinned: bool = False
    tiles: list[TileIn] = Field(default_factory=list, max_length=200)


class DashboardUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=400)
    description: str | None = Field(default=None, max_length=10000)
    tags: list[str] | None = Field(default=None, max_length=50)
    filters: DashboardFilters | None = None
    pinned: bool | None = None
    tiles: list[TileIn] | None = Field(default=None, max_length=200)


class TileRead(BaseModel):
    id: int
    insight: dict[str, Any] | None
    text: str | None
    layouts: dict[str, Any]
    color: str | None
    query: dict[str, Any] | None = None
    result: Any = None
    last_refresh: str | None = None
    is_cached: bool = False
    next_allowed_client_refresh: str | None = None
    query_status: dict[str, Any] | None = None


class DashboardRead(BaseModel):
    id: int
    name: str
    description: str
    tags: list[Any]
    filters: dict[str, Any]
    pinned: bool
    created_at: datetime
    tiles: list[TileRead] = Field(default_factory=list)
