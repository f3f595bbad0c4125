"""Project-token lookups for capture, cached briefly in-process so capture stays fast.

A token reset drops the old token from this process's cache at once (ORM attribute
event); other processes forget it within TOKEN_TTL seconds.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select

from app.db import get_session
from app.projects.models import Project
from app.tenancy import unscoped

TOKEN_TTL = 5.0
MISS_TTL = 2.0


@dataclass(frozen=True)
class TokenProject:
    project_id: int
    organization_id: uuid.UUID
    anonymize_ips: bool = False


_cache: dict[str, tuple[float, TokenProject | None]] = {}
_lock = threading.Lock()


def lookup(token: str) -> TokenProject | None:
    """The project of a `phc_` token, or None when no project has it."""
    now = time.monotonic()
    hit = _cache.get(token)
    if hit is not None and hit[0] > now:
        return hit[1]
    with unscoped():
        row = (
            get_session()
            .execute(
                select(Project.id, Project.organization_id, Project.anonymize_ips).where(
                    Project.api_token == token
                )
            )
            .first()
        )
    found = TokenProject(row[0], row[1], bool(row[2])) if row else None
    with _lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[token] = (now + (TOKEN_TTL if found else MISS_TTL), found)
    return found


def invalidate(token: str) -> None:
    with _lock:
        _cache.pop(token, None)


def clear() -> None:
    with _lock:
        _cache.clear()


def _on_token_change(_target: Any, value: Any, oldvalue: Any, _initiator: Any) -> None:
    for token in (value, oldvalue):
        if isinstance(token, str):
            invalidate(token)


if not event.contains(Project.api_token, "set", _on_token_change):
    event.listen(Project.api_token, "set", _on_token_change)
