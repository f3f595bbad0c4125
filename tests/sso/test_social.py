"""Social login (Google OIDC, GitHub OAuth) against a local provider at the HTTP edge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask

from tests.helpers import Api
from tests.sso.conftest import TXT, Editions, build_sso_org, error_code
from tests.sso.idp import SamlIdP
from tests.sso.oauth_provider import Person, Provider, ProviderServer


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = ProviderServer(Provider())
    yield server.provider
    server.close()


@pytest.fixture
def social_app(app_factory: Any, provider: Provider) -> Flask:
    app: Flask = app_factory(
        GOOGLE_CLIENT_ID=provider.client_id,
        GOOGLE_CLIENT_SECRET="google-secret",
        GITHUB_CLIENT_ID=provider.client_id,
        GITHUB_CLIENT_SECRET="github-secret",
        SOCIAL_PROVIDER_URLS={
            "google_metadata_url": f"{provider.base}/.well-known/openid-configuration",
            "github_authorize_url": f"{provider.base}/login/oauth/authorize",
            "github_access_token_url": f"{provider.base}/token",
            "github_api_base_url": f"{provider.base}/",
        },
    )
    return app


def _social_login(client: Any, name: str) -> Any:
    """Browser → us → provider (consent) → our callback; returns our callback's response."""
    start = client.get(f"/login/{name}/")
    assert start.status_code == 302, start.get_data(as_text=True)
    consent = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["Location"])
    assert back.path == f"/complete/{name}/"
    return client.get(f"{back.path}?{back.query}")


@pytest.mark.parametrize("name", ["google", "github"])
def test_new_user_signs_up_with_verified_email(
    social_app: Flask, provider: Provider, name: str
) -> None:
    provider.person = Person("newbie@example.com", given_name="New", family_name="Bie")
    client = social_app.test_client()
    resp = _social_login(client, name)
    assert error_code(resp) is None and resp.headers["Location"] == "http://testserver/"
    me = client.get("/api/users/@me/").get_json()
    assert me["email"] == "newbie@example.com" and me["is_email_verified"] is True
    assert me["organization"] is not None and me["first_name"] == "New"


@pytest.mark.parametrize("name", ["google", "github"])
def test_existing_account_is_linked_by_verified_email(
    social_app: Flask, provider: Provider, name: str
) -> None:
    api = Api(social_app)
    acct = api.signup(email="known@example.com")
    provider.person = Person("Known@Example.com")
    client = social_app.test_client()
    assert error_code(_social_login(client, name)) is None
    assert client.get("/api/users/@me/").get_json()["id"] == acct.user_id


@pytest.mark.parametrize("name", ["google", "github"])
def test_unverified_email_is_refused(social_app: Flask, provider: Provider, name: str) -> None:
    provider.person = Person("victim@example.com", email_verified=False)
    client = social_app.test_client()
    assert error_code(_social_login(client, name)) == "social_email_unverified"
    assert client.get("/api/users/@me/").status_code == 401


def test_forged_state_is_refused(social_app: Flask, provider: Provider) -> None:
    client = social_app.test_client()
    start = client.get("/login/google/")
    consent = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(consent.headers["Location"])
    resp = social_app.test_client().get(f"{back.path}?{back.query}")  # another browser
    assert error_code(resp) == "social_failed"


def test_unconfigured_provider(app: Flask) -> None:
    assert error_code(app.test_client().get("/login/github/")) == "social_not_configured"


def test_social_login_refused_under_sso_enforcement(
    social_app: Flask, provider: Provider, idp: SamlIdP
) -> None:
    api = Api(social_app)
    org = build_sso_org(api, idp, Editions(social_app), TXT(social_app))
    api.invite_and_join(org.admin, email="bob@acme.example.com")
    assert error_code(org.login(api.new_client(), "admin@acme.example.com")) is None
    org.configure(enforce_sso=True)
    for email in ("bob@acme.example.com", "carol@acme.example.com"):
        provider.person = Person(email)
        for name in ("google", "github"):
            client = social_app.test_client()
            assert error_code(_social_login(client, name)) == "sso_enforced"
            assert client.get("/api/users/@me/").status_code == 401
