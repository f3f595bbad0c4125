"""Instance status and settings schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.telemetry.schemas import TelemetryStateRead


class InstanceSettingsUpdate(BaseModel):
    telemetry_enabled: bool | None = None


class InstanceSettingsRead(BaseModel):
    telemetry_enabled: bool
    telemetry: TelemetryStateRead


class EditionRead(BaseModel):
    edition: str
    source: str
    organizations_by_edition: dict[str, int]


class InstanceStatusRead(BaseModel):
    version: str
    edition: EditionRead
    deployment: str
    database: str
    redis: str
    queue_depths: dict[str, int]
    workers: list[dict[str, Any]]
    telemetry: TelemetryStateRead
