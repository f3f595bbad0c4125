"""Verified email domains: add, DNS TXT challenge, verify, periodic re-check, delete."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable

import dns.exception
import dns.resolver
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.activity import service as activity
from app.db import get_session, utcnow
from app.errors import Conflict, NotFound, ValidationError
from app.sso.models import VerifiedDomain
from app.tenancy import unscoped

TxtResolver = Callable[[str], list[str]]
CHALLENGE_PREFIX = "_burrow-challenge"
RECHECK_FAILURES_BEFORE_UNVERIFY = 3
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$")


def normalize_domain(raw: str) -> str:
    domain = raw.strip().lower().rstrip(".")
    if not _DOMAIN_RE.match(domain):
        raise ValidationError("Enter a domain like example.com.", attr="domain", code="invalid")
    return domain


def challenge_name(domain: str) -> str:
    return f"{CHALLENGE_PREFIX}.{domain}"


def dns_txt_lookup(name: str) -> list[str]:
    """Production resolver: TXT strings at `name` (nameservers overridable by settings)."""
    resolver = dns.resolver.Resolver(configure=not _nameservers())
    if _nameservers():
        resolver.nameservers = [ns.split(":")[0] for ns in _nameservers()]
        resolver.port = int(_nameservers()[0].partition(":")[2] or 53)
    resolver.lifetime = 5.0
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.exception.DNSException, OSError):
        return []
    return [b"".join(r.strings).decode(errors="replace") for r in answer]


def _nameservers() -> list[str]:
    return list(current_app.config["BURROW"].extra.get("SSO_DNS_NAMESERVERS", []))


def resolver() -> TxtResolver:
    """The TXT resolver: app.extensions["sso_txt_resolver"] if set, else DNS."""
    custom: TxtResolver | None = current_app.extensions.get("sso_txt_resolver")
    return custom or dns_txt_lookup


def add_domain(*, domain: str) -> VerifiedDomain:
    """Claim a domain for the current organization; it needs verification before use."""
    name = normalize_domain(domain)
    session = get_session()
    if session.scalar(select(VerifiedDomain).where(VerifiedDomain.domain == name)) is not None:
        raise Conflict("This domain is already added.", attr="domain", code="unique")
    row = VerifiedDomain(domain=name, challenge=secrets.token_urlsafe(24))
    session.add(row)
    session.flush()
    activity.record(action="created", scope="VerifiedDomain", item_id=row.id, name=name)
    return row


def get_domain(domain_id: uuid.UUID) -> VerifiedDomain:
    row = get_session().scalar(select(VerifiedDomain).where(VerifiedDomain.id == domain_id))
    if row is None:
        raise NotFound()
    return row


def verified_elsewhere(row: VerifiedDomain) -> bool:
    with unscoped():
        other = get_session().scalar(
            select(VerifiedDomain.id).where(
                VerifiedDomain.domain == row.domain,
                VerifiedDomain.verified_at.is_not(None),
                VerifiedDomain.organization_id != row.organization_id,
            )
        )
    return other is not None


def verify_domain(*, domain_id: uuid.UUID, force: bool = False) -> VerifiedDomain:
    """Look up the TXT challenge (or, for instance admins, mark verified) and record it."""
    row = get_domain(domain_id)
    if verified_elsewhere(row):
        raise Conflict("Another organization has verified this domain.", code="domain_taken")
    if not force and row.challenge not in resolver()(challenge_name(row.domain)):
        row.last_checked_at = utcnow()
        raise ValidationError(
            f"No TXT record '{row.challenge}' found at {challenge_name(row.domain)} yet.",
            code="challenge_not_found",
            attr="domain",
        )
    row.verified_at = row.verified_at or utcnow()
    row.last_checked_at, row.check_failures = utcnow(), 0
    _flush_unique()
    activity.record(
        action="verified",
        scope="VerifiedDomain",
        item_id=row.id,
        name=row.domain,
        extra={"method": "admin" if force else "dns"},
    )
    return row


def _flush_unique() -> None:
    try:
        with get_session().begin_nested():
            get_session().flush()
    except IntegrityError as exc:
        raise Conflict(
            "Another organization has verified this domain.", code="domain_taken"
        ) from exc


def delete_domain(*, domain_id: uuid.UUID) -> None:
    row = get_domain(domain_id)
    activity.record(action="deleted", scope="VerifiedDomain", item_id=row.id, name=row.domain)
    get_session().delete(row)


def recheck(row: VerifiedDomain) -> bool:
    """Re-resolve a verified domain's challenge; unverify after repeated misses. True if kept."""
    row.last_checked_at = utcnow()
    if row.challenge in resolver()(challenge_name(row.domain)):
        row.check_failures = 0
        return True
    row.check_failures += 1
    if row.check_failures < RECHECK_FAILURES_BEFORE_UNVERIFY:
        return True
    row.verified_at = None
    activity.record(
        action="unverified",
        scope="VerifiedDomain",
        item_id=row.id,
        name=row.domain,
        organization_id=row.organization_id,
        extra={"reason": "TXT challenge no longer published"},
    )
    return False


def verified_domains() -> list[str]:
    """The current organization's verified domains."""
    stmt = select(VerifiedDomain.domain).where(VerifiedDomain.verified_at.is_not(None))
    return list(get_session().scalars(stmt))


def owner_of(domain: str) -> uuid.UUID | None:
    """The organization that verified this email domain, if any (crosses tenants by design)."""
    with unscoped():
        return get_session().scalar(
            select(VerifiedDomain.organization_id).where(
                VerifiedDomain.domain == domain.lower(), VerifiedDomain.verified_at.is_not(None)
            )
        )
