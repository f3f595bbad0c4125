"""Billing facade: plans, Stripe, usage, license keys → each organization's edition.

The rest of the code only asks `app.entitlements.has_feature`; `register(app)` plugs the
edition resolvers in. Other domains may react to edition changes via EDITION_CHANGE_HOOKS.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable

from flask import Flask

from app.entitlements import Edition, register_edition_resolver

# Called (organization id, old edition, new edition) inside the change's transaction.
EDITION_CHANGE_HOOKS: list[Callable[[uuid.UUID, Edition, Edition], None]] = []


def register(app: Flask) -> None:
    """Edition resolvers, the CLI, and (cloud only) the free allowance's ingestion check."""
    from billing import allowance, cli, licenses, service

    cli.register(app)
    with app.app_context():
        if app.config["BURROW"].DEPLOYMENT == "cloud":
            register_edition_resolver(service.stripe_resolver)
            _register_overflow_check(allowance.is_over)
            if allowance.on_edition_change not in EDITION_CHANGE_HOOKS:
                EDITION_CHANGE_HOOKS.append(allowance.on_edition_change)
        else:
            register_edition_resolver(licenses.license_resolver)


def _register_overflow_check(check: Callable[[uuid.UUID, int], bool]) -> None:
    try:
        hooks = importlib.import_module("app.ingestion.hooks")
    except ImportError:  # ingestion without overflow support: nothing to pause
        return
    checks: list[Callable[[uuid.UUID, int], bool]] = hooks.OVERFLOW_CHECKS
    if check not in checks:
        checks.append(check)
