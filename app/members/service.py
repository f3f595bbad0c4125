"""Memberships (with the level rules of tenancy.md) and invites."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app.activity import service as activity
from app.auth.models import User
from app.db import get_session, utcnow
from app.errors import Conflict, Forbidden, NotFound, ValidationError
from app.mail import send_mail
from app.members.models import Invite
from app.organizations.models import Level, Membership, Organization
from app.security import sha256_hex
from app.tenancy import require_scope, tenant_scope, unscoped

INVITE_TTL = timedelta(days=3)


def _level_name(level: int) -> str:
    return Level(level).name.lower()


def get_membership(user_id: uuid.UUID) -> Membership:
    member = get_session().scalar(select(Membership).where(Membership.user_id == user_id))
    if member is None:
        raise NotFound()
    return member


def _owner_count() -> int:
    stmt = select(func.count(Membership.id)).where(Membership.level == int(Level.OWNER))
    return int(get_session().scalar(stmt) or 0)


def change_level(
    *, actor_id: uuid.UUID, actor_level: int, user_id: uuid.UUID, level: int
) -> Membership:
    """Level rules: not yourself, not above your own, owners by owners, keep one owner."""
    if level not in {int(v) for v in Level}:
        raise ValidationError("Level must be 1 (member), 8 (admin) or 15 (owner).", attr="level")
    member = get_membership(user_id)
    if user_id == actor_id:
        raise Forbidden("You cannot change your own level.", code="cannot_change_own_level")
    if actor_level < Level.ADMIN:
        raise Forbidden("Only admins and owners can change levels.", code="insufficient_level")
    if level > actor_level or member.level > actor_level:
        raise Forbidden("You can grant at most your own level.", code="level_above_own")
    if level == Level.OWNER and actor_level != Level.OWNER:
        raise Forbidden("Only an owner can make owners.", code="owner_required")
    if member.level == Level.OWNER and level != Level.OWNER and _owner_count() <= 1:
        raise Conflict("The last owner cannot be demoted.", code="last_owner")
    before = member.level
    member.level = level
    activity.record(
        action="level_changed",
        scope="Membership",
        item_id=user_id,
        changes=[{"field": "level", "before": _level_name(before), "after": _level_name(level)}],
    )
    return member


def remove_member(*, actor_id: uuid.UUID, actor_level: int, user_id: uuid.UUID) -> None:
    """Remove a member, or leave when `user_id` is the actor. The last owner cannot go."""
    member = get_membership(user_id)
    leaving = user_id == actor_id
    if not leaving and (actor_level < Level.ADMIN or member.level > actor_level):
        raise Forbidden("You cannot remove this member.", code="insufficient_level")
    if member.level == Level.OWNER and _owner_count() <= 1:
        raise Conflict("The last owner cannot leave or be removed.", code="last_owner")
    get_session().delete(member)
    activity.record(action="left" if leaving else "removed", scope="Membership", item_id=user_id)


def add_member(*, user: User, level: int) -> Membership:
    existing = get_session().scalar(select(Membership).where(Membership.user_id == user.id))
    if existing is not None:
        return existing
    member = Membership(user_id=user.id, level=level)
    get_session().add(member)
    activity.record(action="joined", scope="Membership", item_id=user.id, name=user.email)
    return member


def create_invite(
    *,
    org: Organization,
    inviter: User,
    inviter_level: int,
    email: str,
    level: int,
    project_ids: list[int],
) -> tuple[Invite, str]:
    """Invite by email; resending replaces the previous invite. Returns (invite, raw token)."""
    if inviter_level < Level.ADMIN and not org.members_can_invite:
        raise Forbidden("Only admins can invite in this organization.", code="insufficient_level")
    if level > inviter_level:
        raise Forbidden("You can invite at most at your own level.", code="level_above_own")
    session = get_session()
    lowered = email.strip().lower()
    already = session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(func.lower(User.email) == lowered)
    )
    if already is not None:
        raise Conflict(
            "This person is already a member.", attr="target_email", code="already_member"
        )
    session.execute(delete(Invite).where(func.lower(Invite.target_email) == lowered))
    token = secrets.token_urlsafe(32)
    invite = Invite(
        target_email=email.strip(),
        level=level,
        project_ids=project_ids,
        token_hash=sha256_hex(token),
        created_by_id=inviter.id,
        expires_at=utcnow() + INVITE_TTL,
    )
    session.add(invite)
    session.flush()
    activity.record(action="invited", scope="Invite", item_id=invite.id, name=invite.target_email)
    site = current_app.config["BURROW"].SITE_URL
    send_mail(
        invite.target_email,
        f"{inviter.display_name} invited you to {org.name} on Burrow",
        f"Join {org.name}: {site}/signup?invite={token}\nThis link expires in 3 days.",
    )
    return invite, token


def list_invites() -> list[Invite]:
    stmt = select(Invite).where(Invite.accepted_at.is_(None)).order_by(Invite.created_at.desc())
    return list(get_session().scalars(stmt))


def revoke_invite(invite_id: uuid.UUID) -> None:
    invite = get_session().scalar(select(Invite).where(Invite.id == invite_id))
    if invite is None:
        raise NotFound()
    get_session().delete(invite)
    activity.record(action="revoked", scope="Invite", item_id=invite_id, name=invite.target_email)


def invite_for_token(token: str) -> Invite:
    """The invite a raw token names (a global lookup: the token is the credential)."""
    with unscoped():
        invite = get_session().scalar(select(Invite).where(Invite.token_hash == sha256_hex(token)))
    if invite is None or invite.accepted_at is not None:
        raise ValidationError(
            "This invite does not exist or was already used.", code="invalid_invite", attr="token"
        )
    if invite.expires_at <= utcnow():
        raise ValidationError(
            "This invite has expired. Ask for a new one.", code="invite_expired", attr="token"
        )
    return invite


def accept_invite(*, token: str, user: User) -> Membership:
    """Join the inviting organization if the invite was addressed to this user's email."""
    invite = invite_for_token(token)
    if invite.target_email.strip().lower() != user.email.strip().lower():
        raise ValidationError(
            "This invite was sent to a different email address.",
            code="invite_email_mismatch",
            attr="token",
        )
    with tenant_scope(invite.organization_id):
        member = add_member(user=user, level=invite.level)
        invite.accepted_at = utcnow()
    user.last_organization_id = invite.organization_id
    return member


def current_organization_id() -> uuid.UUID:
    return require_scope().organization_id
