"""Audit log settings per organization, and the IPs each API key has been used from."""

from __future__ import annotations

import uuid

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, Timestamped, UUIDPk
from app.tenancy import OrganizationOwned


class AuditSettings(OrganizationOwned, UUIDPk, Timestamped, Base):
    __tablename__ = "audit_settings"
    __table_args__ = (UniqueConstraint("organization_id"),)

    retention_days: Mapped[int | None]  # None: keep forever (the default)


class KeySeenIP(UUIDPk, Timestamped, Base):
    """Global: personal keys span organizations; the key id is the owner."""

    __tablename__ = "api_key_seen_ips"
    __table_args__ = (UniqueConstraint("key_id", "ip"),)

    key_kind: Mapped[str] = mapped_column(String(20))  # personal_key | service_account
    key_id: Mapped[uuid.UUID] = mapped_column(index=True)
    ip: Mapped[str] = mapped_column(String(64))
