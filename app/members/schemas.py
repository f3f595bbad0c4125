"""Schemas for members and invites."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from app.members.models import Invite


class MemberUpdate(BaseModel):
    level: int


class MemberRead(BaseModel):
    user_id: str
    email: str
    first_name: str
    last_name: str
    level: int
    joined_at: datetime


class InviteCreate(BaseModel):
    target_email: EmailStr
    level: int = Field(default=1)
    project_ids: list[int] = []


class InviteAccept(BaseModel):
    token: str = Field(min_length=10)


class InviteRead(BaseModel):
    id: str
    target_email: str
    level: int
    project_ids: list[int]
    created_at: datetime
    expires_at: datetime
    is_expired: bool

    @classmethod
    def of(cls, invite: Invite) -> InviteRead:
        from app.db import utcnow

        return cls(
            id=str(invite.id),
            target_email=invite.target_email,
            level=invite.level,
            project_ids=list(invite.project_ids),
            created_at=invite.created_at,
            expires_at=invite.expires_at,
            is_expired=invite.expires_at <= utcnow(),
        )
