"""Public links to insights (PostHog's sharing configurations).

A link is one random access token per insight; anyone holding it can read the insight's
result (never its project's other data) while sharing is enabled and the organization's
edition includes `dashboard_sharing`. Turning sharing on needs the feature; turning it off
never does, and losing the feature turns existing links off without deleting them.
"""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select

from app.activity import service as activity
from app.db import get_session
from app.entitlements import ensure_feature, has_feature
from app.insights.models import Insight, SharingConfiguration
from app.projects.models import Project
from app.tenancy import unscoped

FEATURE = "dashboard_sharing"


def _token() -> str:
    return secrets.token_urlsafe(32)


def sharing_for(insight: Insight) -> SharingConfiguration:
    """The insight's sharing configuration, created (disabled) on first use."""
    session = get_session()
    config = session.scalar(
        select(SharingConfiguration).where(SharingConfiguration.insight_id == insight.id)
    )
    if config is None:
        config = SharingConfiguration(insight_id=insight.id, enabled=False, access_token=_token())
        session.add(config)
        session.flush()
    return config


def set_sharing(
    config: SharingConfiguration, *, enabled: bool, organization_id: uuid.UUID
) -> SharingConfiguration:
    """Turn the public link on (needs the feature) or off."""
    if enabled and not config.enabled:
        ensure_feature(organization_id, FEATURE)
    if enabled != config.enabled:
        activity.record(
            action="sharing enabled" if enabled else "sharing disabled",
            scope="Insight",
            item_id=config.insight_id,
            project_id=config.project_id,
        )
    config.enabled = enabled
    return config


def rotate_token(config: SharingConfiguration) -> SharingConfiguration:
    """A new access token: the old link stops working."""
    config.access_token = _token()
    activity.record(
        action="sharing link rotated",
        scope="Insight",
        item_id=config.insight_id,
        project_id=config.project_id,
    )
    return config


def resolve_shared(access_token: str) -> tuple[Insight, Project] | None:
    """The live insight behind an enabled, entitled link, or None (answered as 404)."""
    session = get_session()
    with unscoped():  # the token is the only credential: find its project first
        row = session.execute(
            select(Insight, Project)
            .join(
                SharingConfiguration,
                (SharingConfiguration.insight_id == Insight.id)
                & (SharingConfiguration.project_id == Insight.project_id),
            )
            .join(Project, Project.id == Insight.project_id)
            .where(
                SharingConfiguration.access_token == access_token,
                SharingConfiguration.enabled.is_(True),
                Insight.deleted.is_(False),
            )
        ).first()
    if row is None:
        return None
    insight, project = row
    if not has_feature(project.organization_id, FEATURE):
        return None
    return insight, project
