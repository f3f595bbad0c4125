"""SAML login through our ACS with responses from a real pysaml2 IdP."""

from __future__ import annotations

from tests.sso.conftest import SSOOrg, error_code


def test_sp_initiated_login_jit_creates_member(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    resp = sso_org.login(client, "ada@acme.example.com")
    assert error_code(resp) is None
    assert resp.headers["Location"] == "http://testserver/"
    me = client.get("/api/users/@me/").get_json()
    assert me["email"] == "ada@acme.example.com"
    assert me["organization"]["id"] == sso_org.org_id
    assert me["organizations"][0]["level"] == 1
