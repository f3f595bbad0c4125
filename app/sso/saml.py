"""The only module that imports onelogin: SP settings, metadata, AuthnRequests, validation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Const
from onelogin.saml2.errors import OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from app.sso.errors import SSOLoginError
from app.sso.xmlsafe import parse_xml

V = OneLogin_Saml2_ValidationError
_CODES: dict[int, str] = {
    V.WRONG_AUDIENCE: "saml_wrong_audience",
    V.WRONG_DESTINATION: "saml_wrong_destination",
    V.EMPTY_DESTINATION: "saml_wrong_destination",
    V.WRONG_SUBJECTCONFIRMATION: "saml_wrong_destination",
    V.WRONG_ISSUER: "saml_wrong_issuer",
    V.ASSERTION_EXPIRED: "saml_expired",
    V.SESSION_EXPIRED: "saml_expired",
    V.RESPONSE_EXPIRED: "saml_expired",
    V.ASSERTION_TOO_EARLY: "saml_not_yet_valid",
    V.WRONG_INRESPONSETO: "saml_in_response_to_mismatch",
    V.NO_SIGNED_ASSERTION: "saml_unsigned",
    V.NO_SIGNATURE_FOUND: "saml_unsigned",
    V.INVALID_SIGNATURE: "saml_invalid_signature",
    V.DEPRECATED_SIGNATURE_METHOD: "saml_deprecated_algorithm",
    V.DEPRECATED_DIGEST_METHOD: "saml_deprecated_algorithm",
    V.WRONG_NUMBER_OF_ASSERTIONS: "saml_assertion_count",
    V.STATUS_CODE_IS_NOT_SUCCESS: "saml_idp_refused",
}


@dataclass(frozen=True)
class IdP:
    entity_id: str
    sso_url: str
    certs: list[str]


@dataclass(frozen=True)
class Assertion:
    name_id: str
    attributes: dict[str, list[str]]
    assertion_id: str
    not_on_or_after: datetime | None


def sp_urls(org_id: uuid.UUID) -> tuple[str, str]:
    """This organization's SP entity id and ACS URL, from SITE_URL (never from request headers)."""
    site = current_app.config["BURROW"].SITE_URL.rstrip("/")
    return f"{site}/api/saml/{org_id}/metadata/", f"{site}/api/saml/{org_id}/acs/"


def _sp_keys() -> dict[str, str]:
    extra = current_app.config["BURROW"].extra
    key, cert = extra.get("SAML_SP_PRIVATE_KEY", ""), extra.get("SAML_SP_CERT", "")
    return {"privateKey": key, "x509cert": cert} if key and cert else {}


def settings_for(org_id: uuid.UUID, idp: IdP | None) -> OneLogin_Saml2_Settings:
    entity_id, acs = sp_urls(org_id)
    data: dict[str, Any] = {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": entity_id,
            "assertionConsumerService": {"url": acs, "binding": Const.BINDING_HTTP_POST},
            "NameIDFormat": Const.NAMEID_UNSPECIFIED,
            **_sp_keys(),
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": False,
            "wantNameId": True,
            "rejectDeprecatedAlgorithm": True,
            "allowSingleLabelDomains": True,
            "requestedAuthnContext": False,
            "signatureAlgorithm": Const.RSA_SHA256,
            "digestAlgorithm": Const.SHA256,
        },
    }
    if idp is not None:
        data["idp"] = {
            "entityId": idp.entity_id,
            "singleSignOnService": {"url": idp.sso_url, "binding": Const.BINDING_HTTP_REDIRECT},
            "x509certMulti": {"signing": list(idp.certs)},
        }
    return OneLogin_Saml2_Settings(data, sp_validation_only=idp is None)


def _request_data(org_id: uuid.UUID, post: dict[str, str] | None = None) -> dict[str, Any]:
    """What onelogin calls 'the current request', built from configuration, not headers."""
    parts = urlsplit(sp_urls(org_id)[1])
    return {
        "https": "on" if parts.scheme == "https" else "off",
        "http_host": parts.netloc,
        "script_name": parts.path,
        "get_data": {},
        "post_data": post or {},
    }


def sp_metadata(org_id: uuid.UUID) -> str:
    """SP metadata XML (entity id, ACS, optional signing cert)."""
    settings = settings_for(org_id, None)
    metadata = settings.get_sp_metadata()
    return metadata.decode() if isinstance(metadata, bytes) else str(metadata)


def login_redirect(org_id: uuid.UUID, idp: IdP, relay_state: str) -> tuple[str, str]:
    """The IdP URL carrying a fresh AuthnRequest, and that request's id."""
    auth = OneLogin_Saml2_Auth(_request_data(org_id), old_settings=settings_for(org_id, idp))
    url = auth.login(return_to=relay_state)
    return str(url), str(auth.get_last_request_id())


def validate(org_id: uuid.UUID, idp: IdP, encoded: str, request_id: str | None) -> Assertion:
    """Strict validation; any failure becomes an SSOLoginError with a specific code."""
    settings = settings_for(org_id, idp)
    try:
        response = OneLogin_Saml2_Response(settings, encoded)
        response.is_valid(
            _request_data(org_id, {"SAMLResponse": encoded}),
            request_id=request_id,
            raise_exceptions=True,
        )
    except OneLogin_Saml2_ValidationError as exc:
        raise SSOLoginError(_CODES.get(int(exc.code), "saml_invalid"), str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - any library failure means an invalid response
        raise SSOLoginError("saml_invalid", f"invalid SAML response: {exc}") from exc
    return _assertion(response)


def _assertion(response: OneLogin_Saml2_Response) -> Assertion:
    expiry = response.get_assertion_not_on_or_after()
    return Assertion(
        name_id=str(response.get_nameid() or ""),
        attributes={str(k): [str(v) for v in vs] for k, vs in response.get_attributes().items()},
        assertion_id=str(response.get_assertion_id() or ""),
        not_on_or_after=datetime.fromtimestamp(expiry, UTC) if expiry else None,
    )


def parse_idp_metadata(xml: str) -> IdP:
    """Entity id, SSO URL and signing certs from IdP metadata (no DTDs, no network)."""
    try:
        parse_xml(xml.encode())
    except SSOLoginError as exc:
        raise ValueError("IdP metadata must be plain XML (no DTD or entities)") from exc
    try:
        data = OneLogin_Saml2_IdPMetadataParser.parse(
            xml, required_sso_binding=Const.BINDING_HTTP_REDIRECT
        )
    except Exception as exc:  # noqa: BLE001 - the parser raises bare Exceptions on bad input
        raise ValueError(f"unreadable IdP metadata: {exc}") from exc
    idp = data.get("idp") or {}
    multi = (idp.get("x509certMulti") or {}).get("signing") or []
    certs = list(multi) or ([idp["x509cert"]] if idp.get("x509cert") else [])
    sso = (idp.get("singleSignOnService") or {}).get("url")
    if not idp.get("entityId") or not sso or not certs:
        raise ValueError("IdP metadata lacks an entity id, a Redirect SSO URL or a signing cert")
    return IdP(entity_id=str(idp["entityId"]), sso_url=str(sso), certs=[str(c) for c in certs])
