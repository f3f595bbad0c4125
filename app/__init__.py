"""Burrow's app factory: a list of register_* calls, no import-time side effects."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from app.config import Settings

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with optional overrides (tests, CLI)."""
    settings = Settings.from_env(dict(config or {}))
    app = Flask(__name__)
    app.config["BURROW"] = settings
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        SECRET_KEY_FALLBACKS=list(settings.SECRET_KEY_FALLBACKS),
        SESSION_COOKIE_NAME="burrow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.SESSION_COOKIE_SECURE
        and settings.SITE_URL.startswith("https"),
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        TESTING=settings.TESTING,
        JSON_SORT_KEYS=False,
    )
    from app import blueprints, db, errors, logs, mail, redis_client, tenancy
    from app.access import register_access

    logs.register_logging(app)
    db.init_db(app)
    redis_client.init_redis(app)
    mail.init_mail(app)
    tenancy.install_guard()
    errors.register_error_handlers(app)
    register_access(app)
    blueprints.register_blueprints(app)
    blueprints.register_extensions(app)
    log.info("burrow started: %s", settings.safe_repr() if settings.DEBUG else settings.DEPLOYMENT)
    return app
