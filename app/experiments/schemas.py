"""Experiment and holdout schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.feature_flags.schemas import KEY_PATTERN


class Metric(BaseModel):
    """A trend count of `event`, or a funnel converting through `steps` after exposure."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["trend", "funnel"]
    name: str = ""
    event: str | None = None
    steps: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Metric:
        if self.kind == "trend" and not self.event:
            raise ValueError("a trend metric needs an event")
        if self.kind == "funnel" and not self.steps:
            raise ValueError("a funnel metric needs steps")
        return self


class Variant(BaseModel):
    key: str = Field(min_length=1, max_length=200, pattern=KEY_PATTERN)
    name: str = ""
    rollout_percentage: float = Field(ge=0, le=100)


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=400)
    description: str = ""
    feature_flag_key: str = Field(min_length=1, max_length=400, pattern=KEY_PATTERN)
    variants: list[Variant] | None = None
    metrics: list[Metric] = Field(min_length=1)
    metrics_secondary: list[Metric] = Field(default_factory=list)
    holdout_id: int | None = None


class ExperimentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=400)
    description: str | None = None
    metrics: list[Metric] | None = None
    metrics_secondary: list[Metric] | None = None
    archived: bool | None = None


class ShipRequest(BaseModel):
    variant: str = Field(min_length=1)


class HoldoutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=400)
    description: str = ""
    exclusion_percentage: float = Field(ge=0, le=100)


class ExperimentRead(BaseModel):
    id: int
    name: str
    description: str
    feature_flag_id: int
    feature_flag_key: str
    holdout_id: int | None
    parameters: dict[str, Any]
    metrics: list[Any]
    metrics_secondary: list[Any]
    start_date: datetime | None
    end_date: datetime | None
    archived: bool
    shipped_variant: str | None
    created_at: datetime
