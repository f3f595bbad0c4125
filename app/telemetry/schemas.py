"""The telemetry report schemas (documented in docs/telemetry.md; bump SCHEMA_VERSION on change).

Each report is its own closed schema (extra fields forbidden), so what is sent is exactly
what is documented. The usage and entity reports share no field that could join them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION: Final = 1


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InstanceInfo(Closed):
    version: str
    deployment: Literal["selfhosted", "cloud"]
    database: Literal["postgresql", "sqlite", "other"]
    queue: Literal["redis", "inline"]


class UsageCounts(Closed):
    organizations: int
    projects: int
    users: int
    memberships: int
    persons: int
    events_in_period: int
    feature_flags: int
    experiments: int
    dashboards: int
    insights: int
    cohorts: int
    personal_api_keys: int


class UsageReport(Closed):
    """Aggregated counts for one UTC day; no individual user's data."""

    schema_version: Literal[1] = SCHEMA_VERSION
    report: Literal["usage"] = "usage"
    period: str  # the UTC day counted, YYYY-MM-DD; the only date in the report
    instance: InstanceInfo
    organizations_by_edition: dict[str, int]
    counts: UsageCounts
    insights_by_kind: dict[str, int]
    features_in_use: dict[str, int]


class EntityReport(Closed):
    """Who set the instance up (only what they provided) and where it runs; no date, no id."""

    schema_version: Literal[1] = SCHEMA_VERSION
    report: Literal["entity"] = "entity"
    host: str | None
    email: str | None
    company: str | None


class SubscriptionsReport(Closed):
    """Mailing opt-ins: only addresses of users who chose a list, per list."""

    schema_version: Literal[1] = SCHEMA_VERSION
    report: Literal["subscriptions"] = "subscriptions"
    lists: dict[str, list[str]]


class TelemetryStateRead(BaseModel):
    enabled: bool
    reason: str
    edition: str
    admin_switch: bool
    admin_can_disable: bool
    endpoint: str


class SentRead(BaseModel):
    sent_at: datetime
    status_code: int
    payload: dict[str, Any]


class PreviewRead(BaseModel):
    telemetry: TelemetryStateRead
    next: dict[str, dict[str, Any]]
    last_sent: dict[str, SentRead | None]
