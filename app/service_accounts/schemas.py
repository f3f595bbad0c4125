"""Schemas for service accounts and their keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.service_accounts.models import ServiceAccount, ServiceAccountKey

KEY_PREFIX = "phsa_"


class AccountCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    level: int = Field(default=1)
    project_ids: list[int] | None = None


class AccountUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    level: int | None = None
    project_ids: list[int] | None = None
    disabled: bool | None = None


class AccountRead(BaseModel):
    id: str
    name: str
    level: int
    project_ids: list[int] | None
    disabled: bool
    created_by_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, account: ServiceAccount) -> AccountRead:
        return cls(
            id=str(account.id),
            name=account.name,
            level=account.level,
            project_ids=account.project_ids,
            disabled=account.disabled,
            created_by_id=str(account.created_by_id) if account.created_by_id else None,
            created_at=account.created_at,
        )


class SAKeyCreate(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    scopes: list[str] = ["*"]
    scoped_projects: list[int] | None = None
    expires_at: datetime | None = None


class SAKeyUpdate(BaseModel):
    label: str | None = Field(default=None, min_length=1, max_length=100)
    scopes: list[str] | None = None
    scoped_projects: list[int] | None = None
    expires_at: datetime | None = None


class SAKeyRead(BaseModel):
    id: str
    service_account_id: str
    label: str
    mask_value: str
    scopes: list[str]
    scoped_projects: list[int] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    last_rolled_at: datetime | None
    value: str | None = None

    @classmethod
    def of(cls, key: ServiceAccountKey, value: str | None = None) -> SAKeyRead:
        return cls(
            id=str(key.id),
            service_account_id=str(key.service_account_id),
            label=key.label,
            mask_value=f"{KEY_PREFIX}...{key.mask_value}",
            scopes=list(key.scopes),
            scoped_projects=key.scoped_projects,
            created_at=key.created_at,
            expires_at=key.expires_at,
            last_used_at=key.last_used_at,
            last_rolled_at=key.last_rolled_at,
            value=value,
        )
