"""SSO tables: verified domains, per-organization SAML config, linked identities, SAML state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.tenancy import OrganizationOwned


class VerifiedDomain(OrganizationOwned, UUIDPk, Timestamped, Base):
    """An email domain an organization claims; verified by a DNS TXT challenge."""

    __tablename__ = "sso_domains"
    __table_args__ = (
        UniqueConstraint("organization_id", "domain"),
        # A domain is verified by at most one organization.
        Index(
            "uq_sso_domains_verified_domain",
            "domain",
            unique=True,
            postgresql_where=text("verified_at IS NOT NULL"),
            sqlite_where=text("verified_at IS NOT NULL"),
        ),
    )

    domain: Mapped[str] = mapped_column(String(253), index=True)
    challenge: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    check_failures: Mapped[int] = mapped_column(default=0)


class SAMLConfig(OrganizationOwned, UUIDPk, Timestamped, Base):
    """The organization's identity provider and SSO policy (one per organization)."""

    __tablename__ = "sso_saml_configs"
    __table_args__ = (UniqueConstraint("organization_id"),)

    idp_entity_id: Mapped[str] = mapped_column(String(1024))
    idp_sso_url: Mapped[str] = mapped_column(String(2048))
    idp_certs: Mapped[list[Any]] = mapped_column(default=list)
    attribute_mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    default_level: Mapped[int] = mapped_column(default=1)
    allow_idp_initiated: Mapped[bool] = mapped_column(default=False)
    jit_enabled: Mapped[bool] = mapped_column(default=True)
    enforce_sso: Mapped[bool] = mapped_column(default=False)
    enforced_at: Mapped[datetime | None]
    break_glass_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    admin_login_verified_at: Mapped[datetime | None]
    enforcement_grace_until: Mapped[datetime | None]


class SSOIdentity(OrganizationOwned, UUIDPk, Timestamped, Base):
    """A user's identity at the organization's IdP: (organization, IdP, NameID) -> user."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("organization_id", "idp_entity_id", "name_id"),)

    idp_entity_id: Mapped[str] = mapped_column(String(1024))
    name_id: Mapped[str] = mapped_column(String(1024))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    last_login_at: Mapped[datetime | None]


class SAMLPendingRequest(OrganizationOwned, Timestamped, Base):
    """An AuthnRequest we sent, bound to one browser, consumed once by the ACS."""

    __tablename__ = "sso_saml_requests"

    request_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    relay_path: Mapped[str] = mapped_column(Text, default="/")
    expires_at: Mapped[datetime]


class SAMLSeenAssertion(OrganizationOwned, UUIDPk, Base):
    """Replay cache when Redis is absent: each assertion id is accepted once."""

    __tablename__ = "sso_saml_seen_assertions"
    __table_args__ = (UniqueConstraint("organization_id", "assertion_id"),)

    assertion_id: Mapped[str] = mapped_column(String(256))
    expires_at: Mapped[datetime] = mapped_column(index=True)
