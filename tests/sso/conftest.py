"""SSO fixtures: a real pysaml2 IdP, Ultimate grants through the edition resolver, helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from app.entitlements import Edition, EditionGrant, register_edition_resolver
from tests.helpers import Account, Api
from tests.sso.idp import SamlIdP, make_keypair, post_binding


@pytest.fixture(scope="session")
def idp_keys() -> tuple[str, str]:
    return make_keypair("idp.acme.example.com")


@pytest.fixture(scope="session")
def other_keys() -> tuple[str, str]:
    return make_keypair("attacker")


@pytest.fixture(scope="session")
def idp(idp_keys: tuple[str, str]) -> SamlIdP:
    return SamlIdP("https://idp.acme.example.com/saml", *idp_keys)


class Editions:
    """Grants Ultimate to chosen organizations via our real pluggable resolver."""

    def __init__(self, app: Flask) -> None:
        self.ultimate: set[uuid.UUID] = set()
        with app.app_context():
            register_edition_resolver(self.resolve)

    def resolve(self, org_id: uuid.UUID) -> EditionGrant | None:
        return EditionGrant(Edition.ULTIMATE, "test", {}) if org_id in self.ultimate else None

    def grant(self, org_id: str) -> None:
        self.ultimate.add(uuid.UUID(org_id))

    def revoke(self, org_id: str) -> None:
        self.ultimate.discard(uuid.UUID(org_id))


@pytest.fixture
def editions(app: Flask) -> Editions:
    return Editions(app)


class TXT:
    """The injectable DNS TXT resolver: answers what the test publishes."""

    def __init__(self, app: Flask) -> None:
        self.records: dict[str, list[str]] = {}
        app.extensions["sso_txt_resolver"] = self.lookup

    def lookup(self, name: str) -> list[str]:
        return list(self.records.get(name, []))


@pytest.fixture
def txt(app: Flask) -> TXT:
    return TXT(app)


def verify_domain(api: Api, txt: TXT, acct: Account, domain: str) -> dict[str, Any]:
    base = f"/api/organizations/{acct.organization_id}/domains/"
    resp = api.post(acct, base, {"domain": domain})
    assert resp.status_code == 201, resp.get_json()
    row = resp.get_json()
    txt.records[row["challenge_name"]] = [row["challenge_value"]]
    resp = api.post(acct, f"{base}{row['id']}/verify/", {})
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


@dataclass
class SSOOrg:
    """An Ultimate organization with a verified domain and SAML configured from IdP metadata."""

    api: Api
    admin: Account
    idp: SamlIdP
    domain: str

    @property
    def org_id(self) -> str:
        return self.admin.organization_id

    @property
    def sp_entity_id(self) -> str:
        return f"http://testserver/api/saml/{self.org_id}/metadata/"

    @property
    def acs_url(self) -> str:
        return f"http://testserver/api/saml/{self.org_id}/acs/"

    @property
    def acs_path(self) -> str:
        return f"/api/saml/{self.org_id}/acs/"

    def sp_metadata(self) -> str:
        resp = self.api.get(None, f"/api/saml/{self.org_id}/metadata/")
        assert resp.status_code == 200
        return resp.get_data(as_text=True)

    def configure(self, **changes: Any) -> dict[str, Any]:
        resp = self.api.patch(self.admin, f"/api/organizations/{self.org_id}/saml/", changes)
        assert resp.status_code == 200, resp.get_json()
        return dict(resp.get_json())

    def response(self, email: str, **kwargs: Any) -> str:
        return self.idp.response(
            self.sp_metadata(),
            sp_entity_id=self.sp_entity_id,
            acs_url=self.acs_url,
            email=email,
            **kwargs,
        )

    def post(self, client: Any, xml: str, relay_state: str | None = None) -> Any:
        data = {"SAMLResponse": post_binding(xml)}
        if relay_state is not None:
            data["RelayState"] = relay_state
        return client.post(self.acs_path, data=data)

    def start(self, client: Any, email: str, next_path: str | None = None) -> str:
        """SP-initiated: /login/sso/ redirects to the IdP; returns the AuthnRequest id."""
        query = {"email": email, **({"next": next_path} if next_path else {})}
        resp = client.get("/login/sso/", query_string=query)
        assert resp.status_code == 302, resp.headers
        location = resp.headers["Location"]
        assert location.startswith(self.idp.sso_url + "?")
        request_id, acs, issuer = self.idp.parse_request(self.sp_metadata(), location)
        assert acs == self.acs_url and issuer == self.sp_entity_id
        return request_id

    def login(self, client: Any, email: str, **kwargs: Any) -> Any:
        """A full SP-initiated round trip through the IdP; returns the ACS response."""
        request_id = self.start(client, email)
        return self.post(client, self.response(email, in_response_to=request_id, **kwargs))


def error_code(resp: Any) -> str | None:
    """The `error` code of a browser redirect to /login?error=..."""
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    return query.get("error", [None])[0]


def build_sso_org(api: Api, idp: SamlIdP, editions: Editions, txt: TXT) -> SSOOrg:
    admin = api.signup(email="admin@acme.example.com")
    editions.grant(admin.organization_id)
    verify_domain(api, txt, admin, "acme.example.com")
    org = SSOOrg(api=api, admin=admin, idp=idp, domain="acme.example.com")
    org.configure(idp_metadata_xml=idp.metadata_xml())
    return org


@pytest.fixture
def sso_org(api: Api, idp: SamlIdP, editions: Editions, txt: TXT) -> Iterator[SSOOrg]:
    yield build_sso_org(api, idp, editions, txt)
