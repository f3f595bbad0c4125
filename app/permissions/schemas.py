"""Schemas for project access control."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, model_validator

from app.permissions.models import ProjectGrant, ResourceGrant


class _Grantee(BaseModel):
    user_id: uuid.UUID | None = None
    role_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_grantee(self) -> _Grantee:
        if (self.user_id is None) == (self.role_id is None):
            raise ValueError("Give exactly one of user_id or role_id.")
        return self


class AccessUpdate(BaseModel):
    access_restricted: bool


class ProjectGrantCreate(_Grantee):
    level: Literal["member", "admin"] = "member"


class ResourceGrantCreate(_Grantee):
    resource_kind: Literal["dashboard", "insight", "feature_flag", "experiment"]
    resource_id: str | None = None  # None: every resource of the kind in the project
    level: Literal["viewer", "editor"] = "viewer"


class GrantRead(BaseModel):
    id: str
    user_id: str | None
    role_id: str | None
    level: str
    resource_kind: str | None = None
    resource_id: str | None = None
    created_at: datetime

    @classmethod
    def of(cls, grant: ProjectGrant | ResourceGrant) -> GrantRead:
        return cls(
            id=str(grant.id),
            user_id=str(grant.user_id) if grant.user_id else None,
            role_id=str(grant.role_id) if grant.role_id else None,
            level=grant.level,
            resource_kind=getattr(grant, "resource_kind", None),
            resource_id=getattr(grant, "resource_id", None),
            created_at=grant.created_at,
        )


class AccessRead(BaseModel):
    project_id: int
    access_restricted: bool
    your_access: str
    grants: list[GrantRead]
    resource_grants: list[GrantRead]
