"""Actions: CRUD with validation (steps compile, names unique among live actions),
activity log entries, and stale insight caches when a definition changes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from app.actions.models import Action
from app.activity import service as activity
from app.db import get_session
from app.errors import NotFound, ValidationError
from app.query.actions import normalise_step
from app.query.base import QueryError
from app.query.cache import bump_data_version
from app.query.properties import Sources, compile_filters
from app.query.sql import Params

EDITABLE = ("name", "description", "tags", "steps", "post_to_slack", "slack_message_format")


def get_action(*, action_id: int) -> Action:
    """One live action of the current project, or 404."""
    action = get_session().scalar(
        select(Action).where(Action.id == action_id, Action.deleted.is_(False))
    )
    if action is None:
        raise NotFound("Action not found.")
    return action


def list_actions(*, search: str | None = None) -> Select[Any]:
    """Live actions, newest first; `search` matches the name (case-insensitive)."""
    stmt = select(Action).where(Action.deleted.is_(False))
    if search:
        stmt = stmt.where(Action.name.ilike(f"%{_escape(search)}%", escape="\\"))
    return stmt.order_by(Action.id.desc())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def create_action(*, data: dict[str, Any], user_id: uuid.UUID | None) -> Action:
    """A new action; its steps must compile (valid matching modes, regexes, filters)."""
    _check_name(data["name"], None)
    steps = validate_steps(data.get("steps") or [])
    action = Action(**{**{k: data[k] for k in EDITABLE if k in data}, "steps": steps})
    action.created_by_id = user_id
    session = get_session()
    session.add(action)
    session.flush()
    activity.record(
        action="created",
        scope="Action",
        item_id=action.id,
        name=action.name,
        project_id=action.project_id,
    )
    return action


def update_action(*, action: Action, changes: dict[str, Any]) -> Action:
    """Edit fields (or soft-delete with `deleted`); a new definition makes caches stale."""
    before = {k: getattr(action, k) for k in EDITABLE}
    if changes.get("name") is not None and changes["name"] != action.name:
        _check_name(changes["name"], action.id)
    if changes.get("steps") is not None:
        changes["steps"] = validate_steps(changes["steps"])
    for key in EDITABLE:
        if changes.get(key) is not None:
            setattr(action, key, changes[key])
    if changes.get("deleted"):
        action.deleted = True
    after = {k: getattr(action, k) for k in EDITABLE}
    activity.record(
        action="deleted" if action.deleted else "updated",
        scope="Action",
        item_id=action.id,
        name=action.name,
        project_id=action.project_id,
        changes=activity.diff(before, after),
    )
    if action.deleted or before["steps"] != after["steps"]:
        bump_data_version(action.project_id)
    return action


def validate_steps(steps: list[Any]) -> list[dict[str, Any]]:
    """Steps as stored: only the fields given, each one checked by compiling it."""
    out = []
    for index, step in enumerate(steps):
        given = {k: v for k, v in dict(step).items() if v is not None}
        try:
            normalise_step(given)
            compile_filters(given.get("properties"), Params("postgresql"), Sources())
        except QueryError as exc:
            raise ValidationError(f"Step {index + 1}: {exc}", attr="steps") from exc
        out.append(given)
    return out


def _check_name(name: str, own_id: int | None) -> None:
    stmt = select(Action.id).where(Action.name == name, Action.deleted.is_(False))
    clash = get_session().scalar(stmt)
    if clash is not None and clash != own_id:
        raise ValidationError(
            f"This project already has an action with this name, ID {clash}.",
            attr="name",
            code="unique",
        )
