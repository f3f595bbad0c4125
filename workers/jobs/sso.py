"""Periodic SSO upkeep (thin: the work is in app.sso.upkeep)."""

from __future__ import annotations

from typing import Any

from app.sso import upkeep


def maintenance() -> dict[str, Any]:
    """Hourly: re-check due domains, sync enforcement with entitlements, purge replay rows."""
    return upkeep.run_all()
