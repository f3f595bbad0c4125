"""Verified domains, SAML configuration, the per-organization SP (metadata, ACS), SSO login."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.access import require_level
from app.activity import service as activity
from app.config import Settings
from app.db import get_session
from app.entitlements import require_feature
from app.errors import NotFound, ValidationError
from app.http import api_scope, csrf_exempt, doc, paginate, parse, public
from app.organizations.models import Level, Organization
from app.organizations.routes import require_recent_login
from app.ratelimit import client_ip, hit
from app.sso import browser, domains, enforcement, login, saml, service
from app.sso.errors import SSOLoginError
from app.sso.models import VerifiedDomain
from app.sso.schemas import (
    DomainCreate,
    DomainRead,
    DomainVerify,
    SAMLConfigRead,
    SAMLConfigUpdate,
    SSOLoginIn,
    SSOLoginOut,
)
from app.sso.social_routes import bp as social_bp
from app.tenancy import tenant_scope

bp = Blueprint("sso", __name__)
bp.register_blueprint(social_bp)
DOMAINS = "/api/organizations/<uuid:organization_id>/domains"


def _domain_json(row: VerifiedDomain, status: int = 200) -> Response:
    response = jsonify(DomainRead.of(row).model_dump(mode="json"))
    response.status_code = status
    return response


@bp.get(f"{DOMAINS}/")
@api_scope("organization")
@doc(response_model=DomainRead, tag="sso")
def list_domains(organization_id: uuid.UUID) -> Response:
    """The organization's email domains and their verification state."""
    stmt = select(VerifiedDomain).order_by(VerifiedDomain.created_at, VerifiedDomain.id)
    return jsonify(paginate(stmt, lambda r: DomainRead.of(r).model_dump(mode="json")))


@bp.post(f"{DOMAINS}/")
@api_scope("organization")
@doc(request_model=DomainCreate, response_model=DomainRead, tag="sso")
def add_domain(organization_id: uuid.UUID) -> Response:
    """Add a domain; publish the returned TXT challenge, then verify (admins)."""
    require_level(Level.ADMIN)
    row = domains.add_domain(domain=parse(DomainCreate).domain)
    get_session().commit()
    return _domain_json(row, 201)


@bp.get(f"{DOMAINS}/<uuid:domain_id>/")
@api_scope("organization")
@doc(response_model=DomainRead, tag="sso")
def get_domain(organization_id: uuid.UUID, domain_id: uuid.UUID) -> Response:
    """One domain with its TXT challenge name and value."""
    return _domain_json(domains.get_domain(domain_id))


@bp.post(f"{DOMAINS}/<uuid:domain_id>/verify/")
@api_scope("organization")
@doc(request_model=DomainVerify, response_model=DomainRead, tag="sso")
def verify_domain(organization_id: uuid.UUID, domain_id: uuid.UUID) -> Response:
    """Check the TXT challenge now; self-hosted instance admins may mark it verified."""
    require_level(Level.ADMIN)
    data = parse(DomainVerify)
    force = data.mark_verified
    if force and not (g.principal.user.is_staff and not _settings().is_cloud):
        raise ValidationError(
            "Only instance admins of a self-hosted install can mark domains verified.",
            attr="mark_verified",
            code="not_instance_admin",
        )
    try:
        row = domains.verify_domain(domain_id=domain_id, force=force)
    except ValidationError:
        get_session().commit()  # keep last_checked_at
        raise
    get_session().commit()
    return _domain_json(row)


@bp.delete(f"{DOMAINS}/<uuid:domain_id>/")
@api_scope("organization")
@doc(tag="sso")
def delete_domain(organization_id: uuid.UUID, domain_id: uuid.UUID) -> Response:
    """Remove a domain (admins)."""
    require_level(Level.ADMIN)
    domains.delete_domain(domain_id=domain_id)
    get_session().commit()
    return Response(status=204)


def _settings() -> Settings:
    settings: Settings = current_app.config["BURROW"]
    return settings


def _config_json(org_id: uuid.UUID) -> Response:
    config = service.require_config()
    body = SAMLConfigRead.of(config, active=enforcement.is_active(config), sp=saml.sp_urls(org_id))
    return jsonify(body.model_dump(mode="json"))


@bp.get("/api/organizations/<uuid:organization_id>/saml/")
@require_feature("saml_sso")
@doc(response_model=SAMLConfigRead, tag="sso")
def get_saml_config(organization_id: uuid.UUID) -> Response:
    """The SAML configuration and this organization's SP entity id / ACS URL (admins)."""
    require_level(Level.ADMIN)
    return _config_json(organization_id)


@bp.patch("/api/organizations/<uuid:organization_id>/saml/")
@doc(request_model=SAMLConfigUpdate, response_model=SAMLConfigRead, tag="sso")
def update_saml_config(organization_id: uuid.UUID) -> Response:
    """Create or change the SAML configuration (admins, recent login, Ultimate)."""
    require_level(Level.ADMIN)
    require_recent_login()
    service.save_config(organization_id=organization_id, data=parse(SAMLConfigUpdate))
    get_session().commit()
    return _config_json(organization_id)


@bp.delete("/api/organizations/<uuid:organization_id>/saml/")
@doc(tag="sso")
def delete_saml_config(organization_id: uuid.UUID) -> Response:
    """Remove the SAML configuration (admins, recent login)."""
    require_level(Level.ADMIN)
    require_recent_login()
    service.delete_config()
    get_session().commit()
    return Response(status=204)


@bp.get("/api/saml/<uuid:org_id>/metadata/")
@public
@doc(tag="sso")
def sp_metadata(org_id: uuid.UUID) -> Response:
    """This organization's SP metadata XML, for the IdP."""
    if get_session().get(Organization, org_id) is None:
        raise NotFound()
    return Response(saml.sp_metadata(org_id), mimetype="application/samlmetadata+xml")


@bp.post("/api/saml/<uuid:org_id>/acs/")
@public
@csrf_exempt
@doc(tag="sso")
def acs(org_id: uuid.UUID) -> BaseResponse:
    """Assertion consumer service (HTTP-POST binding): validate, log in, redirect."""
    hit(f"saml-acs:ip:{client_ip()}", limit=60, window=60)
    if get_session().get(Organization, org_id) is None:
        return browser.error_redirect("saml_not_configured")
    try:
        with tenant_scope(org_id):
            result = login.complete_login(
                org_id=org_id,
                encoded=request.form.get("SAMLResponse", ""),
                relay_state=request.form.get("RelayState"),
                browser_nonce=request.cookies.get(browser.BIND_COOKIE),
            )
            get_session().flush()
    except SSOLoginError as exc:
        return _failed(org_id, exc)
    return browser.login_redirect(result.user, "saml", result.redirect_path)


def _failed(org_id: uuid.UUID, exc: SSOLoginError) -> BaseResponse:
    """Roll back, then record why the login was refused in the organization's activity log."""
    session = get_session()
    session.rollback()
    with tenant_scope(org_id):
        activity.record(
            action="sso_login_failed",
            scope="SAMLConfig",
            name="SAML SSO",
            extra={"code": exc.code, "reason": exc.reason[:500]},
        )
        session.commit()
    return browser.error_redirect(exc.code)


def _start(email: str, next_path: str | None) -> tuple[str, str]:
    hit(f"sso-start:ip:{client_ip()}", limit=30, window=60)
    nonce = browser.browser_nonce()
    _org_id, url = login.start_login(email=email, next_path=next_path, browser_nonce=nonce)
    get_session().commit()
    return url, nonce


@bp.get("/login/sso/")
@public
@doc(tag="sso")
def sso_login_page() -> BaseResponse:
    """SP-initiated login from an email: redirect to the organization's IdP."""
    email = request.args.get("email", "")
    if "@" not in email:
        return browser.error_redirect("sso_email_required")
    try:
        url, nonce = _start(email, request.args.get("next"))
    except SSOLoginError as exc:
        return browser.error_redirect(exc.code)
    response = browser.redirect_to(url)
    browser.set_bind_cookie(response, nonce)
    return response


@bp.post("/api/login/sso/")
@public
@csrf_exempt
@doc(request_model=SSOLoginIn, response_model=SSOLoginOut, tag="sso")
def sso_login_api() -> Response:
    """SP-initiated login from an email: the IdP URL to send the browser to."""
    data = parse(SSOLoginIn)
    try:
        url, nonce = _start(data.email, data.next)
    except SSOLoginError as exc:
        raise ValidationError(
            "Single sign-on is not available for this email address.", attr="email", code=exc.code
        ) from exc
    response = jsonify(SSOLoginOut(redirect_url=url).model_dump())
    browser.set_bind_cookie(response, nonce)
    return response
