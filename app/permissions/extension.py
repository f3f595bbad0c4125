"""Wiring for access control, service accounts, default roles and key-use auditing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.access import BEARER_RESOLVERS, PROJECT_ACCESS_CHECKS
from app.audit.events import note_key_use
from app.permissions.enforce import enforce_project_access, filter_limited_lists
from app.permissions.service import project_access_check
from app.roles.service import on_before_flush
from app.service_accounts import auth as service_account_auth
from app.service_accounts.schemas import KEY_PREFIX


def register(app: Flask) -> None:
    if project_access_check not in PROJECT_ACCESS_CHECKS:
        PROJECT_ACCESS_CHECKS.append(project_access_check)
    BEARER_RESOLVERS[KEY_PREFIX] = service_account_auth.resolve
    if not event.contains(Session, "before_flush", on_before_flush):
        event.listen(Session, "before_flush", on_before_flush)
    # Runs after app.access resolved the principal and the tenant (registered earlier).
    app.before_request(enforce_project_access)
    app.before_request(note_key_use)
    app.after_request(filter_limited_lists)
