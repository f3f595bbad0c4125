"""Public links to insights and dashboards (PostHog's sharing configurations).

A link is one random access token per insight or dashboard; anyone holding it can read that
insight's result, or that dashboard's tiles (never its project's other data), while sharing
is enabled and the organization's edition includes `dashboard_sharing`. Turning sharing on
needs the feature; turning it off never does, and losing the feature turns existing links
off without deleting them.
"""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select

from app.activity import service as activity
from app.dashboards.models import Dashboard
from app.db import get_session
from app.entitlements import ensure_feature, has_feature
from app.insights.models import Insight, SharingConfiguration
from app.projects.models import Project
from app.tenancy import unscoped

FEATURE = "dashboard_sharing"


def _token() -> str:
    return secrets.token_urlsafe(32)


def sharing_for(target: Insight | Dashboard) -> SharingConfiguration:
    """The insight's or dashboard's sharing configuration, created (disabled) on first use."""
    session = get_session()
    column = (
        SharingConfiguration.insight_id
        if isinstance(target, Insight)
        else SharingConfiguration.dashboard_id
    )
    config = session.scalar(select(SharingConfiguration).where(column == target.id))
    if config is None:
        config = SharingConfiguration(enabled=False, access_token=_token())
        if isinstance(target, Insight):
            config.insight_id = target.id
        else:
            config.dashboard_id = target.id
        session.add(config)
        session.flush()
    return config


def _subject(config: SharingConfiguration) -> tuple[str, int | None]:
    if config.insight_id is not None:
        return "Insight", config.insight_id
    return "Dashboard", config.dashboard_id


def set_sharing(
    config: SharingConfiguration, *, enabled: bool, organization_id: uuid.UUID
) -> SharingConfiguration:
    """Turn the public link on (needs the feature) or off."""
    if enabled and not config.enabled:
        ensure_feature(organization_id, FEATURE)
    if enabled != config.enabled:
        scope, item_id = _subject(config)
        activity.record(
            action="sharing enabled" if enabled else "sharing disabled",
            scope=scope,
            item_id=item_id,
            project_id=config.project_id,
        )
    config.enabled = enabled
    return config


def rotate_token(config: SharingConfiguration) -> SharingConfiguration:
    """A new access token: the old link stops working."""
    config.access_token = _token()
    scope, item_id = _subject(config)
    activity.record(
        action="sharing link rotated", scope=scope, item_id=item_id, project_id=config.project_id
    )
    return config


def configure(
    target: Insight | Dashboard,
    *,
    enabled: bool | None,
    rotate: bool,
    organization_id: uuid.UUID,
) -> SharingConfiguration:
    """Read (creating it disabled), switch on/off and/or rotate a target's link."""
    config = sharing_for(target)
    if enabled is not None:
        set_sharing(config, enabled=enabled, organization_id=organization_id)
    if rotate:
        rotate_token(config)
    return config


def resolve_shared(access_token: str) -> tuple[Insight | Dashboard, Project] | None:
    """The live insight or dashboard behind an enabled, entitled link, or None (404)."""
    session = get_session()
    with unscoped():  # the token is the only credential: find its project first
        config = session.scalar(
            select(SharingConfiguration).where(
                SharingConfiguration.access_token == access_token,
                SharingConfiguration.enabled.is_(True),
            )
        )
        if config is None:
            return None
        model: type[Insight] | type[Dashboard] = (
            Insight if config.insight_id is not None else Dashboard
        )
        target_id = config.insight_id if config.insight_id is not None else config.dashboard_id
        row = session.execute(
            select(model, Project)
            .join(Project, Project.id == model.project_id)
            .where(
                model.id == target_id,
                model.project_id == config.project_id,  # never another project's row
                model.deleted.is_(False),
            )
        ).first()
    if row is None:
        return None
    target, project = row
    if not isinstance(target, Insight | Dashboard) or not has_feature(
        project.organization_id, FEATURE
    ):
        return None
    return target, project
