"""Runs one job: a fresh app context, a fresh session, the job's tenant scope, one commit."""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Flask, current_app, has_app_context
from werkzeug.utils import import_string

from app.db import get_session
from app.tenancy import tenant_scope

_app: Flask | None = None


def worker_app() -> Flask:
    """The app a worker process builds once (before forking) and reuses for every job."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def use_app(app: Flask) -> None:
    """Use an already-built app for jobs in this process (inline mode, burst workers in tests)."""
    global _app
    _app = app


def _scope(organization_id: str | None, project_id: int | None) -> AbstractContextManager[None]:
    if organization_id is None:
        return nullcontext()
    return tenant_scope(uuid.UUID(organization_id), project_id)


def run(
    path: str, organization_id: str | None, project_id: int | None, kwargs: dict[str, Any]
) -> Any:
    """Entry point RQ calls; also used for inline execution."""
    app = current_app._get_current_object() if has_app_context() else worker_app()  # type: ignore[attr-defined]
    with app.app_context(), _scope(organization_id, project_id):
        func = import_string(path)
        session = get_session()
        try:
            result = func(**kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return result
