"""Periodic audit-log upkeep (thin: the work is in app.audit.service)."""

from __future__ import annotations

from app.audit import service


def purge_audit_log() -> int:
    """Daily: delete entries older than each organization's configured retention."""
    return service.purge_expired()
