"""Schemas for the audit log API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field


class AuditQuery(BaseModel):
    actor: uuid.UUID | None = None  # a user's or a service account's id
    actor_kind: str | None = None  # user | personal_key | service_account | system
    action: str | None = None
    scope: str | None = None  # the object's type, e.g. Project, Role, FeatureFlag
    item_id: str | None = None  # the object's id
    project_id: int | None = None
    after: AwareDatetime | None = None
    before: AwareDatetime | None = None


class ExportQuery(AuditQuery):
    format: Literal["csv", "json"] = "csv"


class AuditSettingsUpdate(BaseModel):
    retention_days: int | None = Field(ge=1, le=36500)  # None: keep forever


class AuditSettingsRead(BaseModel):
    retention_days: int | None
    readable_since: datetime | None  # None: the whole log is readable on this plan
