"""Schemas for actions (PostHog's Action / ActionStepJSON shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.actions.models import Action

Matching = Literal["contains", "exact", "regex"]


class ActionStep(BaseModel):
    """One OR-branch of an action; every condition given must hold."""

    model_config = ConfigDict(extra="forbid")

    event: str | None = Field(default=None, max_length=400)
    properties: list[dict[str, Any]] | dict[str, Any] | None = None
    selector: str | None = Field(default=None, max_length=1000)
    tag_name: str | None = Field(default=None, max_length=100)
    text: str | None = Field(default=None, max_length=1000)
    text_matching: Matching | None = None
    href: str | None = Field(default=None, max_length=2000)
    href_matching: Matching | None = None
    url: str | None = Field(default=None, max_length=2000)
    url_matching: Matching | None = None


class ActionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=400)
    description: str = Field(default="", max_length=10_000)
    tags: list[str] = Field(default_factory=list, max_length=100)
    steps: list[ActionStep] = Field(default_factory=list, max_length=100)
    post_to_slack: bool = False
    slack_message_format: str = Field(default="", max_length=1200)


class ActionUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=400)
    description: str | None = Field(default=None, max_length=10_000)
    tags: list[str] | None = Field(default=None, max_length=100)
    steps: list[ActionStep] | None = Field(default=None, max_length=100)
    post_to_slack: bool | None = None
    slack_message_format: str | None = Field(default=None, max_length=1200)
    deleted: bool | None = None


class ActionRead(BaseModel):
    id: int
    name: str
    description: str
    tags: list[str]
    steps: list[dict[str, Any]]
    post_to_slack: bool
    slack_message_format: str
    deleted: bool
    is_action: bool = True
    is_calculating: bool = False
    team_id: int
    created_by_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, action: Action) -> ActionRead:
        return cls(
            id=action.id,
            name=action.name,
            description=action.description,
            tags=[str(t) for t in action.tags or []],
            steps=list(action.steps or []),
            post_to_slack=action.post_to_slack,
            slack_message_format=action.slack_message_format,
            deleted=action.deleted,
            team_id=action.project_id,
            created_by_id=str(action.created_by_id) if action.created_by_id else None,
            created_at=action.created_at,
            updated_at=action.updated_at,
        )
