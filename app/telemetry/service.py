"""Telemetry: whether it is on, and the exact reports it would send (sender and preview share)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.config import Settings
from app.db import get_session
from app.entitlements import Edition
from app.instance import service as instance
from app.organizations.models import Membership, Organization
from app.telemetry.counts import TableCounter
from app.telemetry.models import TelemetrySent
from app.telemetry.schemas import (
    EntityReport,
    InstanceInfo,
    SubscriptionsReport,
    UsageCounts,
    UsageReport,
)
from app.tenancy import unscoped

ADMIN_SWITCH = "telemetry_enabled"
REPORTS = ("usage", "entity", "subscriptions")
INSIGHT_KINDS = frozenset(
    {"trends", "funnels", "retention", "stickiness", "lifecycle", "paths", "sql", "hogql"}
)
# Feature key -> candidate tables; the count is how many projects/organizations have a row.
FEATURE_TABLES: dict[str, tuple[str, ...]] = {
    "feature_flags": ("feature_flags",),
    "experiments": ("experiments",),
    "dashboards": ("dashboards",),
    "insights": ("insights",),
    "cohorts": ("cohorts",),
    "group_analytics": ("group_type_mappings",),
    "saml_sso": ("saml_configurations", "saml_configs", "sso_configurations"),
    "dashboard_sharing": ("sharing_configurations", "dashboard_shares"),
}
MAILING_LISTS = {
    "community_invite": User.pref_community_invite,
    "newsletter": User.pref_newsletter,
    "security_updates": User.pref_security_updates,
}


@dataclass(frozen=True)
class TelemetryState:
    enabled: bool
    reason: str
    edition: str
    admin_switch: bool
    admin_can_disable: bool
    endpoint: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _settings() -> Settings:
    settings: Settings = current_app.config["BURROW"]
    return settings


def state() -> TelemetryState:
    """On by default; Free: off by the admin switch or TELEMETRY_ENABLED=false; paid: operator."""
    settings = _settings()
    edition = instance.instance_edition().grant.edition
    admin_on = bool(instance.get_setting(ADMIN_SWITCH, True))
    paid = edition > Edition.FREE
    enabled, reason = _decide(settings, admin_on=admin_on, paid=paid)
    return TelemetryState(
        enabled, reason, edition.label, admin_on, not paid, settings.TELEMETRY_ENDPOINT
    )


def _decide(settings: Settings, *, admin_on: bool, paid: bool) -> tuple[bool, str]:
    if not settings.TELEMETRY_ENDPOINT:
        return False, "no_endpoint"
    if settings.TELEMETRY_OPERATOR_OPT_OUT:
        return False, "operator_opt_out"
    if paid:
        return True, "paid_edition"
    if not settings.TELEMETRY_ENABLED:
        return False, "disabled_by_setting"
    if not admin_on:
        return False, "disabled_by_admin"
    return True, "on_by_default"


def set_admin_switch(*, enabled: bool, user_id: Any) -> None:
    """The instance admin's on/off switch (ignored for paid editions: the operator decides)."""
    instance.set_setting(key=ADMIN_SWITCH, value=enabled, user_id=user_id)


def usage_period(now: datetime) -> date:
    """The usage report covers the previous full UTC day."""
    return (now.astimezone(UTC) - timedelta(days=1)).date()


def build_usage_report(*, period: date) -> UsageReport:
    """Aggregated counts for the UTC day `period`: counts only, no user data."""
    settings = _settings()
    counter = TableCounter(get_session())
    start = datetime.combine(period, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    with unscoped():
        return UsageReport(
            period=period.isoformat(),
            instance=_instance_info(settings),
            organizations_by_edition=instance.instance_edition().organizations_by_edition,
            counts=_counts(counter, start, end),
            insights_by_kind=_insights_by_kind(counter),
            features_in_use=_features_in_use(counter, start, end),
        )


def _instance_info(settings: Settings) -> InstanceInfo:
    dialect = settings.DATABASE_URL.split(":", 1)[0].split("+", 1)[0]
    database = {"postgresql": "postgresql", "postgres": "postgresql", "sqlite": "sqlite"}
    return InstanceInfo(
        version=instance.version(),
        deployment=settings.DEPLOYMENT,
        database=database.get(dialect, "other"),
        queue="inline" if settings.inline_jobs else "redis",
    )


def _counts(counter: TableCounter, start: datetime, end: datetime) -> UsageCounts:
    return UsageCounts(
        organizations=counter.count("organizations"),
        projects=counter.count("projects"),
        users=counter.count("users"),
        memberships=counter.count("memberships"),
        persons=counter.count("persons"),
        events_in_period=counter.count_between("events", "created_at", start, end),
        feature_flags=counter.count("feature_flags"),
        experiments=counter.count("experiments"),
        dashboards=counter.count("dashboards"),
        insights=counter.count("insights"),
        cohorts=counter.count("cohorts"),
        personal_api_keys=counter.count("personal_api_keys"),
    )


def _insights_by_kind(counter: TableCounter) -> dict[str, int]:
    """Known kinds only: anything else (a user-chosen string) is counted as "other"."""
    name = counter.first("insights")
    if name is None:
        return {}
    key = next((c for c in ("kind", "insight_type", "type") if c in counter.columns(name)), None)
    if key is None:
        total = counter.count(name)
        return {"other": total} if total else {}
    out: dict[str, int] = {}
    for value, n in counter.grouped(name, key).items():
        kind = value.lower().removesuffix("query")
        kind = kind if kind in INSIGHT_KINDS else "other"
        out[kind] = out.get(kind, 0) + n
    return dict(sorted(out.items()))


def _features_in_use(counter: TableCounter, start: datetime, end: datetime) -> dict[str, int]:
    features = {key: counter.distinct_tenants(*names) for key, names in FEATURE_TABLES.items()}
    features["product_analytics"] = counter.distinct_between(
        "events", "project_id", "created_at", start, end
    )
    features["multiple_users"] = counter.organizations_with_members(2)
    features["api_access"] = counter.distinct("personal_api_keys", "user_id")
    return dict(sorted(features.items()))


def build_entity_report() -> EntityReport:
    """Who set the instance up: the first instance admin's email and, if they named it, company."""
    host = urlsplit(_settings().SITE_URL).hostname
    session = get_session()
    owner = session.scalar(
        select(User).where(User.is_staff.is_(True)).order_by(User.created_at, User.id).limit(1)
    )
    if owner is None:
        return EntityReport(host=host, email=None, company=None)
    return EntityReport(host=host, email=owner.email or None, company=_company_of(owner))


def _company_of(owner: User) -> str | None:
    """The owner's first organization's name, unless it is the name we made up at signup."""
    with unscoped():
        name = get_session().scalar(
            select(Organization.name)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == owner.id)
            .order_by(Membership.created_at)
            .limit(1)
        )
    if not name or name == f"{owner.first_name}'s organization":
        return None
    return str(name)


def build_subscriptions_report() -> SubscriptionsReport:
    """Per mailing list, the addresses of active users who opted in; nobody else."""
    session = get_session()
    lists = {
        name: sorted(
            session.scalars(select(User.email).where(flag.is_(True), User.is_active.is_(True)))
        )
        for name, flag in MAILING_LISTS.items()
    }
    return SubscriptionsReport(lists=lists)


def build_report(report: str, *, now: datetime) -> dict[str, Any]:
    """The payload of `report` as it would be sent at `now` (the sender and preview call this)."""
    if report == "usage":
        return build_usage_report(period=usage_period(now)).model_dump(mode="json")
    if report == "entity":
        return build_entity_report().model_dump(mode="json")
    if report == "subscriptions":
        return build_subscriptions_report().model_dump(mode="json")
    raise KeyError(report)


def last_sent(report: str) -> TelemetrySent | None:
    return get_session().scalar(
        select(TelemetrySent)
        .where(TelemetrySent.report == report)
        .order_by(TelemetrySent.sent_at.desc(), TelemetrySent.id.desc())
        .limit(1)
    )


def record_sent(*, report: str, payload: dict[str, Any], status_code: int) -> None:
    get_session().add(TelemetrySent(report=report, payload=payload, status_code=status_code))


def subscriptions_due(payload: dict[str, Any]) -> bool:
    """Send opt-ins when someone opted in, or to clear lists that were sent non-empty before."""
    if any(payload["lists"].values()):
        return True
    previous = last_sent("subscriptions")
    return previous is not None and any(previous.payload.get("lists", {}).values())
