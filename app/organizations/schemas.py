"""Schemas for organizations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.organizations.models import Organization


class OrganizationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class OrganizationUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    members_can_invite: bool | None = None
    enforce_2fa: bool | None = None
    default_level: int | None = Field(default=None, ge=1, le=8)


class OrganizationRead(BaseModel):
    id: str
    name: str
    slug: str
    created_at: datetime
    members_can_invite: bool
    enforce_2fa: bool
    default_level: int
    membership_level: int | None = None
    edition: str | None = None
    entitlements: list[str] = []

    @classmethod
    def of(cls, org: Organization, level: int | None = None) -> OrganizationRead:
        from app.entitlements import edition_for, entitlements

        return cls(
            id=str(org.id),
            name=org.name,
            slug=org.slug,
            created_at=org.created_at,
            members_can_invite=org.members_can_invite,
            enforce_2fa=org.enforce_2fa,
            default_level=org.default_level,
            membership_level=level,
            edition=edition_for(org.id).edition.label,
            entitlements=entitlements(org.id),
        )
