"""Schemas for the persons and groups API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class PersonRead(BaseModel):
    id: int
    uuid: str
    name: str
    distinct_ids: list[str]
    properties: dict[str, Any]
    is_identified: bool
    created_at: datetime


class PersonUpdate(BaseModel):
    properties: dict[str, Any] = Field(description="Keys to set; other keys are kept.")
    unset: list[str] = Field(default_factory=list, description="Keys to remove.")


class GroupRead(BaseModel):
    group_type_index: int
    group_key: str
    group_properties: dict[str, Any]
    created_at: datetime


class GroupTypeRead(BaseModel):
    group_type: str
    group_type_index: int
    name_singular: str | None
    name_plural: str | None
