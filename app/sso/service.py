"""SAML configuration per organization: create/update from fields or IdP metadata, delete."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from cryptography import x509
from sqlalchemy import select

from app.activity import service as activity
from app.db import get_session, utcnow
from app.entitlements import ensure_feature
from app.errors import Conflict, NotFound, ValidationError
from app.organizations.models import Level, Membership
from app.sso import saml
from app.sso.models import SAMLConfig
from app.sso.schemas import SAMLConfigUpdate

_SNAPSHOT_FIELDS = (
    "idp_entity_id",
    "idp_sso_url",
    "idp_certs",
    "attribute_mapping",
    "default_level",
    "allow_idp_initiated",
    "jit_enabled",
    "enforce_sso",
    "break_glass_user_id",
)


def get_config() -> SAMLConfig | None:
    """The current organization's SAML config, if any."""
    return get_session().scalar(select(SAMLConfig))


def require_config() -> SAMLConfig:
    config = get_config()
    if config is None:
        raise NotFound("SAML is not configured for this organization.")
    return config


def normalize_cert(raw: str) -> str:
    """A PEM or bare base64 certificate as bare base64 DER; refuses anything unparsable."""
    body = "".join(
        line.strip() for line in raw.strip().splitlines() if "-----" not in line
    ).replace(" ", "")
    try:
        der = base64.b64decode(body, validate=True)
        x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("Not a valid X.509 certificate.", attr="idp_certs") from exc
    return base64.b64encode(der).decode()


def _idp_fields(data: SAMLConfigUpdate) -> dict[str, Any]:
    fields = data.model_dump(exclude_unset=True, exclude={"idp_metadata_xml"})
    if data.idp_metadata_xml:
        try:
            idp = saml.parse_idp_metadata(data.idp_metadata_xml)
        except ValueError as exc:
            raise ValidationError(str(exc), attr="idp_metadata_xml") from exc
        fields.update(idp_entity_id=idp.entity_id, idp_sso_url=idp.sso_url, idp_certs=idp.certs)
    if fields.get("idp_certs") is not None:
        fields["idp_certs"] = [normalize_cert(c) for c in fields["idp_certs"]][:2]
    return fields


def snapshot(config: SAMLConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in _SNAPSHOT_FIELDS}


def _check_break_glass(user_id: uuid.UUID | None) -> None:
    if user_id is None:
        return
    level = get_session().scalar(select(Membership.level).where(Membership.user_id == user_id))
    if level is None or level < Level.OWNER:
        raise ValidationError(
            "The break-glass account must be an owner of this organization.",
            attr="break_glass_user_id",
        )


def _check_enforcement(config: SAMLConfig, organization_id: uuid.UUID) -> None:
    ensure_feature(organization_id, "sso_enforcement")
    if config.admin_login_verified_at is None:
        raise Conflict(
            "Log in through SSO as an admin once before enforcing it.",
            attr="enforce_sso",
            code="sso_login_required_first",
        )


def save_config(*, organization_id: uuid.UUID, data: SAMLConfigUpdate) -> SAMLConfig:
    """Create or update the organization's SAML config; activity-logged with a diff."""
    ensure_feature(organization_id, "saml_sso")
    fields = _idp_fields(data)
    config = get_config()
    created = config is None
    if config is None:
        missing = [f for f in ("idp_entity_id", "idp_sso_url", "idp_certs") if not fields.get(f)]
        if missing:
            raise ValidationError(
                "Give the IdP metadata XML or its entity id, SSO URL and certificate.",
                attr=missing[0],
            )
        config = SAMLConfig(organization_id=organization_id, idp_entity_id="", idp_sso_url="")
        get_session().add(config)
    before = snapshot(config) if not created else {}
    _apply(config, fields, organization_id)
    activity.record(
        action="created" if created else "updated",
        scope="SAMLConfig",
        item_id=config.id,
        name="SAML SSO",
        changes=activity.diff(before, snapshot(config)),
    )
    return config


def _apply(config: SAMLConfig, fields: dict[str, Any], organization_id: uuid.UUID) -> None:
    if "break_glass_user_id" in fields:
        _check_break_glass(fields["break_glass_user_id"])
    turning_on = fields.get("enforce_sso") is True and not config.enforce_sso
    if turning_on:
        _check_enforcement(config, organization_id)
        config.enforced_at = utcnow()
    if fields.get("enforce_sso") is False:
        config.enforced_at, config.enforcement_grace_until = None, None
    for name, value in fields.items():
        if value is not None or name == "break_glass_user_id":
            setattr(config, name, value)


def delete_config() -> None:
    config = require_config()
    activity.record(action="deleted", scope="SAMLConfig", item_id=config.id, name="SAML SSO")
    get_session().delete(config)


def idp_of(config: SAMLConfig) -> saml.IdP:
    return saml.IdP(
        entity_id=config.idp_entity_id, sso_url=config.idp_sso_url, certs=list(config.idp_certs)
    )
