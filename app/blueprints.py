"""Which blueprints and extensions the app mounts. One line per domain."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

BLUEPRINT_MODULES: tuple[str, ...] = (
    "app.meta.routes",
    "app.auth.routes",
    "app.organizations.routes",
    "app.members.routes",
    "app.projects.routes",
    "app.api_keys.routes",
    "app.activity.routes",
    "app.cohorts.routes",
    "app.actions.routes",
    "app.feature_flags.routes",
    "app.feature_flags.remote_routes",
    "app.experiments.routes",
    "billing.routes",
    "app.ingestion.routes",
    "app.events.routes",
    "app.persons.routes",
    "app.telemetry.routes",
    "app.instance.routes",
    "app.sso.routes",
    "app.permissions.routes",
    "app.roles.routes",
    "app.service_accounts.routes",
    "app.audit.routes",
    "app.query.routes",
    "app.insights.routes",
    "app.insights.shared_routes",
    "app.dashboards.routes",
    "app.subscriptions.routes",
)

# Modules exposing `register(app)` for non-blueprint wiring (edition resolvers, CLI, hooks).
EXTENSION_MODULES: tuple[str, ...] = (
    "app.cli",
    "billing",
    "app.sso",
    "app.permissions.extension",
    "app.feature_flags.lean",  # wraps app.wsgi_app: keep it last
)


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(name).bp)


def register_extensions(app: Flask) -> None:
    for name in EXTENSION_MODULES:
        import_module(name).register(app)
