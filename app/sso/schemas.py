"""Request and response schemas for domains, SAML configuration and SSO login."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.sso.domains import challenge_name
from app.sso.models import SAMLConfig, VerifiedDomain


class DomainCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: str = Field(min_length=3, max_length=253)


class DomainVerify(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mark_verified: bool = False


class DomainRead(BaseModel):
    id: uuid.UUID
    domain: str
    is_verified: bool
    verified_at: datetime | None
    last_checked_at: datetime | None
    challenge_name: str
    challenge_value: str
    created_at: datetime

    @classmethod
    def of(cls, row: VerifiedDomain) -> DomainRead:
        return cls(
            id=row.id,
            domain=row.domain,
            is_verified=row.verified_at is not None,
            verified_at=row.verified_at,
            last_checked_at=row.last_checked_at,
            challenge_name=challenge_name(row.domain),
            challenge_value=row.challenge,
            created_at=row.created_at,
        )


class SAMLConfigUpdate(BaseModel):
    """Any subset; creating needs the IdP (fields or `idp_metadata_xml`)."""

    model_config = ConfigDict(extra="forbid")
    idp_metadata_xml: str | None = Field(default=None, max_length=500_000)
    idp_entity_id: str | None = Field(default=None, min_length=1, max_length=1024)
    idp_sso_url: str | None = Field(default=None, min_length=8, max_length=2048)
    idp_certs: list[str] | None = Field(default=None, min_length=1, max_length=2)
    attribute_mapping: dict[str, str] | None = None
    default_level: int | None = None
    allow_idp_initiated: bool | None = None
    jit_enabled: bool | None = None
    enforce_sso: bool | None = None
    break_glass_user_id: uuid.UUID | None = None

    @field_validator("idp_sso_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("The SSO URL must be an http(s) URL.")
        return value

    @field_validator("default_level")
    @classmethod
    def _level(cls, value: int | None) -> int | None:
        if value is not None and value not in (1, 8):
            raise ValueError("The default level must be 1 (member) or 8 (admin).")
        return value

    @field_validator("attribute_mapping")
    @classmethod
    def _mapping(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        allowed = {"email", "first_name", "last_name"}
        if value is not None and not set(value) <= allowed:
            raise ValueError(f"Mapping keys must be among {sorted(allowed)}.")
        return value


class SAMLConfigRead(BaseModel):
    idp_entity_id: str
    idp_sso_url: str
    idp_certs: list[str]
    attribute_mapping: dict[str, Any]
    default_level: int
    allow_idp_initiated: bool
    jit_enabled: bool
    enforce_sso: bool
    enforcement_active: bool
    enforcement_grace_until: datetime | None
    break_glass_user_id: uuid.UUID | None
    admin_login_verified: bool
    sp_entity_id: str
    sp_acs_url: str
    sp_metadata_url: str

    @classmethod
    def of(cls, config: SAMLConfig, *, active: bool, sp: tuple[str, str]) -> SAMLConfigRead:
        return cls(
            idp_entity_id=config.idp_entity_id,
            idp_sso_url=config.idp_sso_url,
            idp_certs=list(config.idp_certs),
            attribute_mapping=dict(config.attribute_mapping),
            default_level=config.default_level,
            allow_idp_initiated=config.allow_idp_initiated,
            jit_enabled=config.jit_enabled,
            enforce_sso=config.enforce_sso,
            enforcement_active=active,
            enforcement_grace_until=config.enforcement_grace_until,
            break_glass_user_id=config.break_glass_user_id,
            admin_login_verified=config.admin_login_verified_at is not None,
            sp_entity_id=sp[0],
            sp_acs_url=sp[1],
            sp_metadata_url=sp[0],
        )


class SSOLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    next: str | None = Field(default=None, max_length=500)


class SSOLoginOut(BaseModel):
    redirect_url: str
