"""SAML login through our ACS with responses from a real pysaml2 IdP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree

from tests.helpers import Api, error
from tests.sso.conftest import TXT, Editions, SSOOrg, build_sso_org, error_code, verify_domain
from tests.sso.idp import NS, SHA1, SamlIdP, assertion_of, with_extra_assertion


def test_sp_initiated_login_jit_creates_member(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    resp = sso_org.login(client, "ada@acme.example.com")
    assert error_code(resp) is None
    assert resp.headers["Location"] == "http://testserver/"
    me = client.get("/api/users/@me/").get_json()
    assert me["email"] == "ada@acme.example.com"
    assert me["organization"]["id"] == sso_org.org_id
    assert me["organizations"][0]["level"] == 1


def _activity(sso_org: SSOOrg, action: str) -> list[dict[str, Any]]:
    resp = sso_org.api.get(sso_org.admin, f"/api/organizations/{sso_org.org_id}/activity/")
    if resp.status_code != 200:  # the activity route may be gated; read the table instead
        return _activity_rows(sso_org, action)
    return [e for e in resp.get_json()["results"] if e["action"] == action]


def _activity_rows(sso_org: SSOOrg, action: str) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from app.activity.models import ActivityLog
    from app.db import get_session
    from app.tenancy import tenant_scope

    with sso_org.api.app.app_context(), tenant_scope(uuid.UUID(sso_org.org_id)):
        rows = get_session().scalars(select(ActivityLog).where(ActivityLog.action == action))
        return [{"action": r.action, "detail": r.detail} for r in rows]


def _refused(sso_org: SSOOrg, resp: Any, code: str) -> None:
    assert error_code(resp) == code
    failures = _activity_rows(sso_org, "sso_login_failed")
    assert failures and failures[-1]["detail"]["code"] == code
    assert failures[-1]["detail"]["reason"]


def test_sp_initiated_keeps_allow_listed_next_path(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    request_id = sso_org.start(client, "ada@acme.example.com", next_path="/project/7/insights")
    resp = sso_org.post(client, sso_org.response("ada@acme.example.com", in_response_to=request_id))
    assert resp.headers["Location"] == "http://testserver/project/7/insights"
    assert _activity_rows(sso_org, "sso_login")


def test_idp_initiated_disabled_is_unsolicited(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    resp = sso_org.post(client, sso_org.response("ada@acme.example.com"))
    _refused(sso_org, resp, "saml_unsolicited")
    assert client.get("/api/users/@me/").status_code == 401


def test_idp_initiated_enabled_and_relay_state_is_allow_listed(sso_org: SSOOrg) -> None:
    sso_org.configure(allow_idp_initiated=True)
    for relay, expected in [
        ("https://evil.example.org/", "/"),
        ("//evil.example.org/x", "/"),
        ("/\\evil.example.org", "/"),
        ("/dashboard/3", "/dashboard/3"),
    ]:
        client = sso_org.api.new_client()
        resp = sso_org.post(client, sso_org.response("ada@acme.example.com"), relay_state=relay)
        assert error_code(resp) is None
        assert resp.headers["Location"] == "http://testserver" + expected
        assert client.get("/api/users/@me/").get_json()["email"] == "ada@acme.example.com"


def test_replayed_assertion_is_refused(sso_org: SSOOrg) -> None:
    sso_org.configure(allow_idp_initiated=True)
    xml = sso_org.response("ada@acme.example.com")
    assert error_code(sso_org.post(sso_org.api.new_client(), xml)) is None
    _refused(sso_org, sso_org.post(sso_org.api.new_client(), xml), "saml_replayed")


def test_sp_initiated_response_cannot_be_posted_twice(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    request_id = sso_org.start(client, "ada@acme.example.com")
    xml = sso_org.response("ada@acme.example.com", in_response_to=request_id)
    assert error_code(sso_org.post(client, xml)) is None
    assert error_code(sso_org.post(client, xml)) == "saml_in_response_to_mismatch"


def test_unsigned_assertion(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    request_id = sso_org.start(client, "ada@acme.example.com")
    xml = sso_org.response("ada@acme.example.com", in_response_to=request_id, sign=False)
    _refused(sso_org, sso_org.post(client, xml), "saml_unsigned")


def test_signed_by_another_key(sso_org: SSOOrg, other_keys: tuple[str, str]) -> None:
    resp = sso_org.login(
        sso_org.api.new_client(), "ada@acme.example.com", signing_key=other_keys[0]
    )
    _refused(sso_org, resp, "saml_invalid_signature")


def test_sha1_signature_is_rejected(sso_org: SSOOrg) -> None:
    resp = sso_org.login(sso_org.api.new_client(), "ada@acme.example.com", algs=SHA1)
    _refused(sso_org, resp, "saml_deprecated_algorithm")


def _set_text(xpath: str, value: str) -> Any:
    def mutate(root: etree._Element) -> None:
        nodes = root.xpath(xpath, namespaces=NS)
        assert nodes, xpath
        for node in nodes:
            node.text = value

    return mutate


def _set_attr(xpath: str, attr: str, value: str) -> Any:
    def mutate(root: etree._Element) -> None:
        nodes = root.xpath(xpath, namespaces=NS)
        assert nodes, xpath
        for node in nodes:
            node.set(attr, value)

    return mutate


def _stamp(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_wrong_audience(sso_org: SSOOrg) -> None:
    mutate = _set_text("//saml:Audience", "http://testserver/api/saml/other/metadata/")
    resp = sso_org.login(sso_org.api.new_client(), "ada@acme.example.com", mutate=mutate)
    _refused(sso_org, resp, "saml_wrong_audience")


def test_wrong_destination(sso_org: SSOOrg) -> None:
    wrong = "http://testserver/api/saml/00000000-0000-0000-0000-000000000000/acs/"

    def mutate(root: etree._Element) -> None:
        root.set("Destination", wrong)
        _set_attr("//saml:SubjectConfirmationData", "Recipient", wrong)(root)

    resp = sso_org.login(sso_org.api.new_client(), "ada@acme.example.com", mutate=mutate)
    _refused(sso_org, resp, "saml_wrong_destination")


def test_expired_assertion(sso_org: SSOOrg) -> None:
    past = _stamp(-timedelta(minutes=30))

    def mutate(root: etree._Element) -> None:
        _set_attr("//saml:SubjectConfirmationData", "NotOnOrAfter", past)(root)
        _set_attr("//saml:Conditions", "NotOnOrAfter", past)(root)

    resp = sso_org.login(sso_org.api.new_client(), "ada@acme.example.com", mutate=mutate)
    _refused(sso_org, resp, "saml_expired")


def test_not_yet_valid_assertion(sso_org: SSOOrg) -> None:
    mutate = _set_attr("//saml:Conditions", "NotBefore", _stamp(timedelta(minutes=30)))
    resp = sso_org.login(sso_org.api.new_client(), "ada@acme.example.com", mutate=mutate)
    _refused(sso_org, resp, "saml_not_yet_valid")


def test_in_response_to_mismatch_and_other_browser(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    sso_org.start(client, "ada@acme.example.com")
    xml = sso_org.response("ada@acme.example.com", in_response_to="id-not-ours")
    _refused(sso_org, sso_org.post(client, xml), "saml_in_response_to_mismatch")
    request_id = sso_org.start(client, "ada@acme.example.com")
    xml = sso_org.response("ada@acme.example.com", in_response_to=request_id)
    other_browser = sso_org.api.new_client()
    _refused(sso_org, sso_org.post(other_browser, xml), "saml_in_response_to_mismatch")


def test_email_on_unverified_or_foreign_domain(
    sso_org: SSOOrg, editions: Editions, txt: TXT
) -> None:
    api = sso_org.api
    domains = f"/api/organizations/{sso_org.org_id}/domains/"
    assert api.post(sso_org.admin, domains, {"domain": "pending.example.com"}).status_code == 201
    sso_org.configure(allow_idp_initiated=True)
    login = sso_org.post(api.new_client(), sso_org.response("eve@pending.example.com"))
    _refused(sso_org, login, "saml_domain_not_verified")
    # Organization B verified globex; A's IdP asserting a globex user is refused.
    other = api.signup(email="boss@globex.example.com")
    verify_domain(api, txt, other, "globex.example.com")
    login = sso_org.post(api.new_client(), sso_org.response("boss@globex.example.com"))
    _refused(sso_org, login, "saml_domain_not_verified")
    me = api.get(other, "/api/users/@me/").get_json()
    assert [o["id"] for o in me["organizations"]] == [other.organization_id]


def test_idp_of_org_a_cannot_log_into_org_b(
    sso_org: SSOOrg, editions: Editions, txt: TXT, other_keys: tuple[str, str]
) -> None:
    api = sso_org.api
    b_admin = api.signup(email="boss@globex.example.com")
    editions.grant(b_admin.organization_id)
    verify_domain(api, txt, b_admin, "globex.example.com")
    b_idp = SamlIdP("https://idp.globex.example.com/saml", *other_keys)
    org_b = SSOOrg(api=api, admin=b_admin, idp=b_idp, domain="globex.example.com")
    org_b.configure(idp_metadata_xml=b_idp.metadata_xml(), allow_idp_initiated=True)
    # A's IdP, addressed to B's SP, asserting B's user: wrong issuer/signature for B.
    xml = sso_org.idp.response(
        org_b.sp_metadata(),
        sp_entity_id=org_b.sp_entity_id,
        acs_url=org_b.acs_url,
        email="boss@globex.example.com",
    )
    resp = org_b.post(api.new_client(), xml)
    assert error_code(resp) in {"saml_wrong_issuer", "saml_invalid_signature"}
    # A's response for A's SP replayed at B's ACS: audience and destination are A's.
    sso_org.configure(allow_idp_initiated=True)
    resp = org_b.post(api.new_client(), sso_org.response("ada@acme.example.com"))
    assert error_code(resp) in {
        "saml_wrong_destination",
        "saml_wrong_audience",
        "saml_wrong_issuer",
    }


def test_signature_wrapping_second_unsigned_assertion(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    request_id = sso_org.start(client, "ada@acme.example.com")
    xml = sso_org.response("ada@acme.example.com", in_response_to=request_id)
    evil = assertion_of(xml)
    evil.set("ID", "id-evil")
    evil.remove(evil.find("ds:Signature", NS))
    for node in evil.iter(f"{{{NS['saml']}}}AttributeValue"):
        node.text = "admin@acme.example.com"
    evil.find("saml:Subject/saml:NameID", NS).text = "nid-admin@acme.example.com"
    for first in (True, False):
        wrapped = with_extra_assertion(xml, evil, first=first)
        _refused(sso_org, sso_org.post(client, wrapped), "saml_assertion_count")
    assert client.get("/api/users/@me/").status_code == 401


def test_two_signed_assertions(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    request_id = sso_org.start(client, "ada@acme.example.com")
    first = sso_org.response("ada@acme.example.com", in_response_to=request_id)
    second = sso_org.response("bob@acme.example.com", in_response_to=request_id)
    xml = with_extra_assertion(first, assertion_of(second), first=False)
    _refused(sso_org, sso_org.post(client, xml), "saml_assertion_count")


def test_xml_entity_expansion_is_refused(sso_org: SSOOrg) -> None:
    sso_org.configure(allow_idp_initiated=True)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol3;</samlp:Response>'
    )
    _refused(sso_org, sso_org.post(sso_org.api.new_client(), bomb), "saml_malformed")
    garbage = sso_org.api.new_client().post(sso_org.acs_path, data={"SAMLResponse": "%%%"})
    assert error_code(garbage) == "saml_malformed"


def test_jit_off_refuses_unknown_users_but_admits_members(sso_org: SSOOrg) -> None:
    sso_org.configure(jit_enabled=False)
    _refused(
        sso_org, sso_org.login(sso_org.api.new_client(), "new@acme.example.com"), "saml_no_account"
    )
    client = sso_org.api.new_client()
    assert error_code(sso_org.login(client, "admin@acme.example.com")) is None
    assert client.get("/api/users/@me/").get_json()["email"] == "admin@acme.example.com"


def test_jit_uses_default_level_and_identity_is_bound_to_name_id(sso_org: SSOOrg) -> None:
    sso_org.configure(default_level=8)
    client = sso_org.api.new_client()
    assert error_code(sso_org.login(client, "ada@acme.example.com", name_id="ada-1")) is None
    assert client.get("/api/users/@me/").get_json()["organizations"][0]["level"] == 8
    # Another NameID claiming the same (already linked) email is not merged into the account.
    resp = sso_org.login(sso_org.api.new_client(), "ada@acme.example.com", name_id="mallory")
    _refused(sso_org, resp, "saml_identity_conflict")
    # The linked NameID keeps working even if the IdP now sends another email attribute.
    again = sso_org.api.new_client()
    request_id = sso_org.start(again, "ada@acme.example.com")
    xml = sso_org.response("ada@acme.example.com", in_response_to=request_id, name_id="ada-1")
    assert error_code(sso_org.post(again, xml)) is None
    assert again.get("/api/users/@me/").get_json()["email"] == "ada@acme.example.com"


def test_attribute_aliases(sso_org: SSOOrg) -> None:
    sso_org.configure(allow_idp_initiated=True)
    client = sso_org.api.new_client()
    xml = sso_org.response(
        "ignored",
        name_id="grace-1",
        attributes={"mail": ["Grace@Acme.Example.com"], "first_name": ["Grace"], "surname": ["H"]},
    )
    assert error_code(sso_org.post(client, xml)) is None
    me = client.get("/api/users/@me/").get_json()
    assert (me["email"], me["first_name"], me["last_name"]) == (
        "grace@acme.example.com",
        "Grace",
        "H",
    )


def test_sso_start_for_unknown_domain_and_api_variant(sso_org: SSOOrg) -> None:
    client = sso_org.api.new_client()
    resp = client.get("/login/sso/", query_string={"email": "x@nowhere.example.com"})
    assert error_code(resp) == "sso_not_available"
    resp = client.post("/api/login/sso/", json={"email": "ada@acme.example.com"})
    assert resp.status_code == 200
    assert resp.get_json()["redirect_url"].startswith(sso_org.idp.sso_url + "?SAMLRequest=")
    bad = client.post("/api/login/sso/", json={"email": "x@nowhere.example.com"})
    assert bad.status_code == 400 and error(bad)["code"] == "sso_not_available"


def test_replay_cache_without_redis(
    app_factory: Any, idp: SamlIdP, idp_keys: tuple[str, str]
) -> None:
    app = app_factory(REDIS_URL="")
    api = Api(app)
    org = build_sso_org(api, idp, Editions(app), TXT(app))
    org.configure(allow_idp_initiated=True)
    xml = org.response("ada@acme.example.com")
    assert error_code(org.post(api.new_client(), xml)) is None
    assert error_code(org.post(api.new_client(), xml)) == "saml_replayed"


def test_org_that_lost_saml_cannot_log_in(sso_org: SSOOrg, editions: Editions) -> None:
    sso_org.configure(allow_idp_initiated=True)
    editions.revoke(sso_org.org_id)
    resp = sso_org.post(sso_org.api.new_client(), sso_org.response("ada@acme.example.com"))
    _refused(sso_org, resp, "saml_not_available")
    start = sso_org.api.new_client().get(
        "/login/sso/", query_string={"email": "a@acme.example.com"}
    )
    assert error_code(start) == "saml_not_available"
