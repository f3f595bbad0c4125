"""Projects and their keys."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.activity import service as activity
from app.db import get_session, utcnow
from app.errors import ValidationError
from app.projects.models import Project
from app.security import generate_key, sha256_hex

SECRET_OVERLAP = timedelta(hours=24)


def validate_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"'{name}' is not an IANA time zone.", attr="timezone") from exc
    return name


def snapshot(project: Project) -> dict[str, Any]:
    return {
        "name": project.name,
        "timezone": project.timezone,
        "week_start_day": project.week_start_day,
        "anonymize_ips": project.anonymize_ips,
        "test_account_filters": project.test_account_filters,
        "access_restricted": project.access_restricted,
    }


def create_project(*, name: str, timezone: str = "UTC") -> tuple[Project, str]:
    """A project in the current organization; returns it and its secret key (shown once)."""
    secret = generate_key("phs_")
    project = Project(
        name=name.strip() or "Default project",
        api_token=generate_key("phc_"),
        secret_token_hash=sha256_hex(secret),
        secret_token_mask=secret[-4:],
        timezone=validate_timezone(timezone),
    )
    session = get_session()
    session.add(project)
    session.flush()
    activity.record(
        action="created",
        scope="Project",
        item_id=project.id,
        name=project.name,
        project_id=project.id,
    )
    return project, secret


def list_projects() -> list[Project]:
    return list(get_session().scalars(select(Project).order_by(Project.id)))


def update_project(*, project: Project, changes: dict[str, Any]) -> Project:
    before = snapshot(project)
    if "timezone" in changes:
        validate_timezone(changes["timezone"])
    for key, value in changes.items():
        setattr(project, key, value)
    activity.record(
        action="updated",
        scope="Project",
        item_id=project.id,
        name=project.name,
        project_id=project.id,
        changes=activity.diff(before, snapshot(project)),
    )
    return project


def rotate_secret(*, project: Project) -> str:
    """New secret key; the old one keeps working for SECRET_OVERLAP so deploys can catch up."""
    secret = generate_key("phs_")
    project.previous_secret_token_hash = project.secret_token_hash
    project.previous_secret_valid_until = utcnow() + SECRET_OVERLAP
    project.secret_token_hash, project.secret_token_mask = sha256_hex(secret), secret[-4:]
    activity.record(
        action="secret_rotated", scope="Project", item_id=project.id, project_id=project.id
    )
    return secret


def reset_public_token(*, project: Project) -> str:
    project.api_token = generate_key("phc_")
    activity.record(
        action="token_reset", scope="Project", item_id=project.id, project_id=project.id
    )
    return project.api_token


def delete_project(*, project: Project) -> None:
    activity.record(
        action="deleted", scope="Project", item_id=project.id, name=project.name, project_id=None
    )
    get_session().delete(project)
