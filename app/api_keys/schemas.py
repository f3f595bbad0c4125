"""Schemas for personal API keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.api_keys.models import PersonalAPIKey


class KeyCreate(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    scopes: list[str] = ["*"]
    scoped_organizations: list[str] | None = None
    scoped_projects: list[int] | None = None
    expires_at: datetime | None = None


class KeyUpdate(BaseModel):
    label: str | None = Field(default=None, min_length=1, max_length=100)
    scopes: list[str] | None = None
    scoped_organizations: list[str] | None = None
    scoped_projects: list[int] | None = None


class KeyRead(BaseModel):
    id: str
    label: str
    mask_value: str
    scopes: list[str]
    scoped_organizations: list[str] | None
    scoped_projects: list[int] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    last_rolled_at: datetime | None
    value: str | None = None

    @classmethod
    def of(cls, key: PersonalAPIKey, value: str | None = None) -> KeyRead:
        return cls(
            id=str(key.id),
            label=key.label,
            mask_value=f"phx_...{key.mask_value}",
            scopes=list(key.scopes),
            scoped_organizations=key.scoped_organizations,
            scoped_projects=key.scoped_projects,
            created_at=key.created_at,
            expires_at=key.expires_at,
            last_used_at=key.last_used_at,
            last_rolled_at=key.last_rolled_at,
            value=value,
        )
