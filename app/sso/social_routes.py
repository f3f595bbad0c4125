"""Browser endpoints for social login: /login/<provider>/ and /complete/<provider>/."""

from __future__ import annotations

from authlib.integrations.base_client.errors import OAuthError
from flask import Blueprint
from requests import RequestException
from werkzeug.wrappers import Response as BaseResponse

from app.db import get_session
from app.http import doc, public
from app.ratelimit import client_ip, hit
from app.sso import browser, social
from app.sso.errors import SSOLoginError

bp = Blueprint("social", __name__)


@public
@doc(tag="sso")
def social_start(provider: str) -> BaseResponse:
    """Send the browser to Google or GitHub."""
    hit(f"social-start:ip:{client_ip()}", limit=30, window=60)
    oauth_client = social.client(provider)
    if oauth_client is None:
        return browser.error_redirect("social_not_configured")
    response: BaseResponse = oauth_client.authorize_redirect(
        browser.site_url(f"/complete/{provider}/")
    )
    return response


@public
@doc(tag="sso")
def social_complete(provider: str) -> BaseResponse:
    """The provider's callback: link by verified email, then log in."""
    oauth_client = social.client(provider)
    if oauth_client is None:
        return browser.error_redirect("social_not_configured")
    try:
        token = oauth_client.authorize_access_token()
        profile = (
            social.google_profile(token)
            if provider == "google"
            else social.github_profile(oauth_client, token)
        )
        user = social.login_or_signup(profile)
    except SSOLoginError as exc:
        get_session().rollback()
        return browser.error_redirect(exc.code)
    except (OAuthError, RequestException, ValueError, KeyError):
        get_session().rollback()
        return browser.error_redirect("social_failed")
    return browser.login_redirect(user, provider, "/")


for _name in social.PROVIDERS:
    bp.add_url_rule(
        f"/login/{_name}/", f"{_name}_start", social_start, defaults={"provider": _name}
    )
    bp.add_url_rule(
        f"/complete/{_name}/", f"{_name}_complete", social_complete, defaults={"provider": _name}
    )
