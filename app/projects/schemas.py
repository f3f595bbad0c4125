"""Schemas for projects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.projects.models import Project


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"


class ProjectUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = None
    week_start_day: int | None = Field(default=None, ge=0, le=1)
    anonymize_ips: bool | None = None
    test_account_filters: list[dict[str, Any]] | None = None


class ProjectRead(BaseModel):
    id: int
    organization_id: str
    name: str
    api_token: str
    secret_api_token_mask: str | None
    timezone: str
    week_start_day: int
    anonymize_ips: bool
    test_account_filters: list[Any]
    access_restricted: bool
    created_at: datetime
    secret_api_token: str | None = None

    @classmethod
    def of(cls, project: Project, secret: str | None = None) -> ProjectRead:
        return cls(
            id=project.id,
            organization_id=str(project.organization_id),
            name=project.name,
            api_token=project.api_token,
            secret_api_token_mask=project.secret_token_mask,
            timezone=project.timezone,
            week_start_day=project.week_start_day,
            anonymize_ips=project.anonymize_ips,
            test_account_filters=project.test_account_filters,
            access_restricted=project.access_restricted,
            created_at=project.created_at,
            secret_api_token=secret,
        )
