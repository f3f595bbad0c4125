"""Once per request: authenticate the principal, resolve the URL's tenant, enter its scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from flask import Flask, current_app, g, request, session
from sqlalchemy import select

from app.api_keys.models import PersonalAPIKey
from app.auth.models import User, UserSession
from app.db import get_session, utcnow
from app.errors import AuthenticationError, Forbidden, NotFound
from app.http import ANY_SCOPE, view_attr
from app.organizations.models import Level, Membership, Organization
from app.projects.models import Project
from app.ratelimit import hit
from app.security import constant_equal, sha256_hex
from app.tenancy import clear_scope, set_request_scope, unscoped

PrincipalKind = Literal["user", "personal_key", "service_account", "project_secret"]
KEY_TOUCH_INTERVAL = timedelta(hours=1)
KEY_LIMITS = ((480, 60), (4800, 3600))  # requests per window (seconds) for each API key
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Principal:
    kind: PrincipalKind
    user: User | None = None
    key: PersonalAPIKey | None = None
    user_session: UserSession | None = None
    scopes: frozenset[str] = frozenset({"*"})
    organization_ids: frozenset[uuid.UUID] | None = None
    project_ids: frozenset[int] | None = None
    project: Project | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def allows_scope(self, obj: str, write: bool) -> bool:
        if "*" in self.scopes:
            return True
        return f"{obj}:write" in self.scopes or (not write and f"{obj}:read" in self.scopes)

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user else None


# Pluggable hooks: other domains (service accounts, SSO enforcement, project access control)
# register here instead of editing this module's control flow.
BearerResolver = Callable[[str], "Principal | None"]
BEARER_RESOLVERS: dict[str, BearerResolver] = {}
PRINCIPAL_CHECKS: list[Callable[[Principal], None]] = []
PROJECT_ACCESS_CHECKS: list[Callable[[Principal, Project, int], bool]] = []


def current_principal() -> Principal | None:
    principal: Principal | None = g.get("principal")
    return principal


def require_user() -> User:
    principal = current_principal()
    if principal is None or principal.user is None:
        raise AuthenticationError("Authentication credentials were not provided.")
    return principal.user


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _personal_key_principal(token: str) -> Principal:
    with unscoped():
        key = get_session().scalar(
            select(PersonalAPIKey).where(PersonalAPIKey.secure_value == sha256_hex(token))
        )
    if key is None or (key.expires_at is not None and key.expires_at <= utcnow()):
        raise AuthenticationError("Invalid or expired personal API key.", code="invalid_api_key")
    user = get_session().get(User, key.user_id)
    if user is None or not user.is_active:
        raise AuthenticationError("Invalid or expired personal API key.", code="invalid_api_key")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= KEY_TOUCH_INTERVAL:
        key.last_used_at = now
        get_session().commit()
    orgs = key.scoped_organizations
    projects = key.scoped_projects
    return Principal(
        kind="personal_key",
        user=user,
        key=key,
        scopes=frozenset(key.scopes),
        organization_ids=frozenset(uuid.UUID(str(o)) for o in orgs) if orgs else None,
        project_ids=frozenset(int(p) for p in projects) if projects else None,
    )


def project_for_secret(token: str) -> Project | None:
    """The project whose current (or still-overlapping previous) secret key this is."""
    digest = sha256_hex(token)
    with unscoped():
        project = get_session().scalar(
            select(Project).where(
                (Project.secret_token_hash == digest)
                | (Project.previous_secret_token_hash == digest)
            )
        )
    if project is None:
        return None
    if project.secret_token_hash and constant_equal(project.secret_token_hash, digest):
        return project
    until = project.previous_secret_valid_until
    return project if until is not None and until > utcnow() else None


def _project_secret_principal(token: str) -> Principal:
    project = project_for_secret(token)
    if project is None:
        raise AuthenticationError("Invalid project secret key.", code="invalid_api_key")
    return Principal(
        kind="project_secret",
        scopes=frozenset({"feature_flag:read"}),
        organization_ids=frozenset({project.organization_id}),
        project_ids=frozenset({project.id}),
        project=project,
    )


def _session_principal() -> Principal | None:
    raw = session.get("sid")
    if not isinstance(raw, str):
        return None
    user_session = get_session().get(UserSession, sha256_hex(raw))
    if user_session is None or user_session.revoked_at is not None:
        session.clear()
        return None
    settings = current_app.config["BURROW"]
    if utcnow() - user_session.last_seen_at > timedelta(days=settings.SESSION_LIFETIME_DAYS):
        session.clear()
        return None
    user = get_session().get(User, user_session.user_id)
    if user is None or not user.is_active:
        return None
    return Principal(kind="user", user=user, user_session=user_session)


def authenticate() -> Principal | None:
    """Resolve the principal from a Bearer key or the session cookie (never the query string)."""
    token = _bearer_token()
    if token is None:
        return _session_principal()
    for prefix, resolver in BEARER_RESOLVERS.items():
        if token.startswith(prefix):
            principal = resolver(token)
            if principal is not None:
                return principal
    if token.startswith("phx_"):
        return _personal_key_principal(token)
    if token.startswith("phs_"):
        return _project_secret_principal(token)
    raise AuthenticationError("Unrecognised API key.", code="invalid_api_key")


def _check_route_rules(principal: Principal | None, view: Any) -> None:
    """Keys need the route's scope (checked after the tenant, so foreign ids stay 404)."""
    if view_attr(view, "public") or principal is None or principal.kind == "user":
        return
    if principal.kind == "project_secret" and not view_attr(view, "accepts_project_secret"):
        raise Forbidden("A project secret key cannot be used here.", code="key_not_allowed")
    obj = view_attr(view, "scope")
    if obj == ANY_SCOPE:
        return
    if obj is None:
        raise Forbidden("API keys cannot be used on this endpoint.", code="key_not_allowed")
    if not principal.allows_scope(obj, write=request.method not in SAFE_METHODS):
        mode = "read" if request.method in SAFE_METHODS else "write"
        raise Forbidden(f"This key lacks the '{obj}:{mode}' scope.", code="missing_scope")


def _limit_key(principal: Principal | None, view: Any) -> None:
    """Per-key rate limits (429 with Retry-After), for personal and service-account keys.

    Flag-definition polling (the routes that also take project secrets) is exempt: every
    server process of a customer polls with the same key, and answers come from a cache.
    """
    if principal is None or view_attr(view, "accepts_project_secret"):
        return
    key_id = principal.key.id if principal.key is not None else principal.extra.get("key_id")
    if key_id is None:
        return
    for limit, window in KEY_LIMITS:
        hit(f"apikey:{key_id}:{window}", limit=limit, window=window)


def _check_csrf(principal: Principal | None, view: Any) -> None:
    """Cookie-authenticated writes must echo the session's CSRF token in X-CSRFToken."""
    if principal is None or principal.user_session is None or request.method in SAFE_METHODS:
        return
    if view_attr(view, "csrf_exempt"):
        return
    sent = request.headers.get("X-CSRFToken", "")
    if not sent or not constant_equal(sent, principal.user_session.csrf_token):
        raise Forbidden("CSRF token missing or incorrect.", code="csrf_failed")


def _principal_level(principal: Principal) -> int:
    """Non-user principals (service accounts) carry their organization level themselves."""
    if principal.kind != "service_account" or not principal.organization_ids:
        raise NotFound()
    return int(principal.extra.get("level", Level.MEMBER))


def _load_organization_without_user(
    principal: Principal, organization_id: uuid.UUID
) -> tuple[Organization, int]:
    level = _principal_level(principal)
    organization = get_session().get(Organization, organization_id)
    if organization is None or organization.id not in (principal.organization_ids or ()):
        raise NotFound()
    return organization, level


def _load_project_without_user(principal: Principal, project_id: int) -> tuple[Project, int]:
    level = _principal_level(principal)
    with unscoped():
        project = get_session().scalar(
            select(Project).where(
                Project.id == project_id,
                Project.organization_id.in_(principal.organization_ids or ()),
            )
        )
    if project is None:
        raise NotFound()
    return project, level


def load_organization(principal: Principal, organization_id: uuid.UUID) -> tuple[Organization, int]:
    """The organization and the principal's level in it, in one query; 404 if not a member."""
    if principal.organization_ids is not None and organization_id not in principal.organization_ids:
        raise NotFound()
    if principal.user is None:
        return _load_organization_without_user(principal, organization_id)
    with unscoped():
        row = (
            get_session()
            .execute(
                select(Organization, Membership.level)
                .join(Membership, Membership.organization_id == Organization.id)
                .where(Organization.id == organization_id, Membership.user_id == principal.user.id)
            )
            .first()
        )
    if row is None:
        raise NotFound()
    return row[0], row[1]


def load_project(principal: Principal, project_id: int) -> tuple[Project, int]:
    """The project and the principal's organization level, in one query; 404 if no access."""
    if principal.project_ids is not None and project_id not in principal.project_ids:
        raise NotFound()
    if principal.kind == "project_secret" and principal.project is not None:
        return principal.project, int(Level.MEMBER)
    if principal.user is None:
        project, level = _load_project_without_user(principal, project_id)
        if not all(check(principal, project, level) for check in PROJECT_ACCESS_CHECKS):
            raise NotFound()
        return project, level
    with unscoped():
        row = (
            get_session()
            .execute(
                select(Project, Membership.level)
                .join(Membership, Membership.organization_id == Project.organization_id)
                .where(Project.id == project_id, Membership.user_id == principal.user.id)
            )
            .first()
        )
    if row is None:
        raise NotFound()
    project, level = row[0], row[1]
    if principal.organization_ids is not None and project.organization_id not in (
        principal.organization_ids
    ):
        raise NotFound()
    if not all(check(principal, project, level) for check in PROJECT_ACCESS_CHECKS):
        raise NotFound()
    return project, level


def _parse_org_id(raw: Any) -> uuid.UUID:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise NotFound() from exc


def resolve_tenant(principal: Principal | None, view_args: dict[str, Any]) -> None:
    """Load the URL's organization or project once, check access once, enter its scope."""
    if principal is None:
        return
    if "project_id" in view_args:
        project, level = load_project(principal, int(view_args["project_id"]))
        g.project, g.organization_id, g.level = project, project.organization_id, level
        set_request_scope(project.organization_id, project.id)
    elif "organization_id" in view_args:
        org, level = load_organization(principal, _parse_org_id(view_args["organization_id"]))
        g.organization, g.organization_id, g.level = org, org.id, level
        set_request_scope(org.id)


def _before_request() -> None:
    clear_scope()
    if request.method == "OPTIONS":
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return
    principal = authenticate()
    g.principal = principal
    if principal is None and not view_attr(view, "public"):
        raise AuthenticationError("Authentication credentials were not provided.")
    _limit_key(principal, view)
    _check_csrf(principal, view)
    if principal is not None:
        for check in PRINCIPAL_CHECKS:
            check(principal)
    resolve_tenant(principal, request.view_args or {})
    _check_route_rules(principal, view)


def _teardown(_exc: BaseException | None) -> None:
    clear_scope()


def register_access(app: Flask) -> None:
    app.before_request(_before_request)
    app.teardown_request(_teardown)


def require_level(minimum: Level) -> int:
    """The caller's level in the current organization, or 403 if below `minimum`."""
    level = int(g.get("level", 0))
    if level < minimum:
        raise Forbidden(
            f"You need the {minimum.name.lower()} level in this organization to do this.",
            code="insufficient_level",
        )
    return level
