"""Request and response schemas for accounts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, EmailStr, Field, field_validator

from app.auth.models import User


class Preferences(BaseModel):
    """Mailing opt-ins: all off unless the user chooses them."""

    community_invite: bool = False
    newsletter: bool = False
    security_updates: bool = False


class SignupIn(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)
    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(default="", max_length=150)
    organization_name: str = Field(default="", max_length=200)
    invite_token: str | None = None
    preferences: Preferences = Preferences()

    @field_validator("first_name", "organization_name")
    @classmethod
    def strip(cls, value: str) -> str:
        return value.strip()


class LoginIn(BaseModel):
    # Not EmailStr: logging in must not depend on today's address rules (e.g. SSO-provisioned
    # or older accounts); an unknown address simply fails like a wrong password.
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class TokenIn(BaseModel):
    token: str = Field(min_length=6, max_length=10)


class MeUpdate(BaseModel):
    first_name: str | None = Field(default=None, min_length=1, max_length=150)
    last_name: str | None = Field(default=None, max_length=150)
    email: EmailStr | None = None
    current_password: str | None = None
    password: str | None = None
    preferences: Preferences | None = None
    set_current_organization: str | None = None
    set_current_project: int | None = None


class ResetRequestIn(BaseModel):
    email: EmailStr


class ResetCompleteIn(BaseModel):
    token: str = Field(min_length=10)
    password: str = Field(min_length=1, max_length=256)


class VerifyEmailIn(BaseModel):
    token: str = Field(min_length=10)


class UserRead(BaseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    is_staff: bool
    is_email_verified: bool
    two_factor_enabled: bool
    preferences: Preferences
    organization: dict[str, Any] | None = None
    project: dict[str, Any] | None = None
    organizations: list[dict[str, Any]] = []

    @classmethod
    def of(cls, user: User, **extra: Any) -> UserRead:
        return cls(
            id=str(user.id),
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            is_staff=user.is_staff,
            is_email_verified=user.is_email_verified,
            two_factor_enabled=user.totp_enabled,
            preferences=Preferences(
                community_invite=user.pref_community_invite,
                newsletter=user.pref_newsletter,
                security_updates=user.pref_security_updates,
            ),
            **extra,
        )
