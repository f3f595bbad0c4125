"""Enterprise login: verified domains, SAML SSO, enforcement, social login."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Wire SSO into the foundation's hooks (idempotent across apps in one process)."""
    from app.access import PRINCIPAL_CHECKS
    from app.auth.service import PASSWORD_LOGIN_CHECKS
    from app.sso import enforcement, social

    if enforcement.check_password_login not in PASSWORD_LOGIN_CHECKS:
        PASSWORD_LOGIN_CHECKS.append(enforcement.check_password_login)
    if enforcement.check_principal not in PRINCIPAL_CHECKS:
        PRINCIPAL_CHECKS.append(enforcement.check_principal)
    _register_billing_hook()
    social.init_social(app)


def _register_billing_hook() -> None:
    """When billing exposes EDITION_CHANGE_HOOKS, losing sso_enforcement starts a warned grace."""
    try:
        import billing
    except ImportError:
        return
    hooks = getattr(billing, "EDITION_CHANGE_HOOKS", None)
    if hooks is None:
        return
    from app.sso.enforcement import on_edition_change

    if on_edition_change not in hooks:
        hooks.append(on_edition_change)
