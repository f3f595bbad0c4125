"""Security events recorded in every affected organization's log: logins and key use by new IPs.

A login belongs to a user, not to an organization, so it is recorded in each organization the
user is a member of (failures too, when the email names an existing user: an unknown email
has no organization to tell). Key use from a never-seen IP is recorded in the organization the
request addressed, else (personal keys on user-level routes) in each of the user's organizations.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.access import Principal
from app.activity.models import ActivityLog
from app.audit.models import KeySeenIP
from app.auth.models import User
from app.db import get_session
from app.organizations.service import memberships_of


def _add(org_id: uuid.UUID, *, actor: tuple[uuid.UUID | None, str, str], **fields: Any) -> None:
    actor_id, kind, label = actor
    detail = {"name": label, "changes": [], **fields.pop("detail", {})}
    get_session().add(
        ActivityLog(
            organization_id=org_id,
            actor_user_id=actor_id,
            actor_kind=kind,
            actor_label=label,
            detail=detail,
            ip=request.remote_addr,
            **fields,
        )
    )


def _user_orgs(user_id: uuid.UUID) -> list[uuid.UUID]:
    return [org.id for org, _level in memberships_of(user_id)]


def login_succeeded(user: User, method: str) -> None:
    """Called by every login flow (password, 2FA, SSO, social) through auth's login_response."""
    for org_id in _user_orgs(user.id):
        _add(org_id, actor=(user.id, "user", user.email), action="login", scope="User",
             item_id=str(user.id), detail={"method": method})  # fmt: skip


def login_failed(email: str, method: str) -> None:
    """A failed login for an existing account (wrong password, inactive user)."""
    from app.auth.service import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        return
    for org_id in _user_orgs(user.id):
        _add(org_id, actor=(user.id, "user", user.email), action="login_failed", scope="User",
             item_id=str(user.id), detail={"method": method})  # fmt: skip


def _key_identity(principal: Principal) -> tuple[str, uuid.UUID, tuple[Any, str, str]] | None:
    if principal.kind == "personal_key" and principal.key is not None and principal.user:
        return "personal_key", principal.key.id, (principal.user.id, "personal_key",
                                                  principal.user.email)  # fmt: skip
    if principal.kind == "service_account":
        extra = principal.extra
        return "service_account", extra["key_id"], (extra["actor_id"], "service_account",
                                                    extra["actor_label"])  # fmt: skip
    return None


# (key, ip) pairs this process already knows are recorded: spares a query on every key
# request (definitions polling is the busiest). Bounded; a clear only costs re-checks.
_known: set[tuple[uuid.UUID, str]] = set()


def _is_new_ip(kind: str, key_id: uuid.UUID, ip: str) -> bool:
    if (key_id, ip) in _known:
        return False
    session = get_session()
    seen = session.scalar(
        select(KeySeenIP.id).where(KeySeenIP.key_id == key_id, KeySeenIP.ip == ip)
    )
    if seen is not None:
        if len(_known) > 50_000:
            _known.clear()
        _known.add((key_id, ip))  # only pairs confirmed stored, so a rolled-back insert retries
        return False
    try:
        with session.begin_nested():
            session.add(KeySeenIP(key_kind=kind, key_id=key_id, ip=ip))
    except IntegrityError:
        return False  # another request from the same new IP won the race and records it
    return True


def note_key_use() -> None:
    """before_request: remember the key's IP; record the first use from each new IP."""
    principal: Principal | None = g.get("principal")
    ip = request.remote_addr
    identity = _key_identity(principal) if principal is not None and ip else None
    if identity is None or ip is None:
        return
    kind, key_id, actor = identity
    if not _is_new_ip(kind, key_id, ip):
        return
    org_id = g.get("organization_id")
    if org_id is not None:
        orgs = [org_id]
    elif principal is not None and principal.user is not None:
        orgs = _user_orgs(principal.user.id)
    else:
        orgs = list(principal.organization_ids or ()) if principal is not None else []
    for org in orgs:
        _add(org, actor=actor, action="key_used_from_new_ip", scope="APIKey",
             item_id=str(key_id), detail={"key_kind": kind})  # fmt: skip
    get_session().commit()
