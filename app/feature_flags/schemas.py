"""Request and response schemas for the flags admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

KEY_PATTERN = r"^[a-zA-Z0-9_\-]+$"
Runtime = Literal["all", "server", "client"]


class FlagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=400, pattern=KEY_PATTERN)
    name: str = Field(default="", max_length=10_000)
    filters: dict[str, Any] = Field(default_factory=dict)
    active: bool = True
    ensure_experience_continuity: bool = False
    evaluation_runtime: Runtime = "all"
    is_remote_configuration: bool = False
    tags: list[str] = Field(default_factory=list)


class FlagUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(default=None, min_length=1, max_length=400, pattern=KEY_PATTERN)
    name: str | None = Field(default=None, max_length=10_000)
    filters: dict[str, Any] | None = None
    active: bool | None = None
    ensure_experience_continuity: bool | None = None
    evaluation_runtime: Runtime | None = None
    is_remote_configuration: bool | None = None
    tags: list[str] | None = None
    deleted: bool | None = None


class FlagRead(BaseModel):
    id: int
    key: str
    name: str
    filters: dict[str, Any]
    active: bool
    deleted: bool
    ensure_experience_continuity: bool
    evaluation_runtime: str
    is_remote_configuration: bool
    tags: list[Any]
    version: int
    created_by_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, flag: Any) -> FlagRead:
        data = {name: getattr(flag, name) for name in cls.model_fields if name != "created_by_id"}
        creator = str(flag.created_by_id) if flag.created_by_id else None
        return cls.model_validate({**data, "created_by_id": creator})


class FlagVersionRead(BaseModel):
    version: int
    snapshot: dict[str, Any]
    created_by_id: str | None
    created_at: datetime
