"""Schemas for custom roles."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.roles.models import Role, RoleMembership


class RoleCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    is_default: bool = False


class RoleUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    is_default: bool | None = None


class RoleRead(BaseModel):
    id: str
    name: str
    is_default: bool
    created_at: datetime

    @classmethod
    def of(cls, role: Role) -> RoleRead:
        return cls(
            id=str(role.id), name=role.name, is_default=role.is_default, created_at=role.created_at
        )


class RoleMemberAdd(BaseModel):
    user_id: uuid.UUID


class RoleMemberRead(BaseModel):
    user_id: str
    added_at: datetime

    @classmethod
    def of(cls, row: RoleMembership) -> RoleMemberRead:
        return cls(user_id=str(row.user_id), added_at=row.created_at)
