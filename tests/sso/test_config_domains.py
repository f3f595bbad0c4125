"""Verified domains and SAML configuration APIs: success, validation, 402/403/404, jobs, DNS."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dns.message
import dns.rdatatype
import dns.rrset
import pytest
from sqlalchemy import select, update

from app.activity.models import ActivityLog
from app.auth.models import UserSession
from app.db import get_session, utcnow
from app.sso.models import VerifiedDomain
from app.tenancy import tenant_scope, unscoped
from tests.helpers import Api, error
from tests.sso.conftest import TXT, Editions, SSOOrg, verify_domain
from tests.sso.idp import SamlIdP
from workers import runner


def _saml(org_id: str) -> str:
    return f"/api/organizations/{org_id}/saml/"


def test_free_org_gets_402_configuring_saml(api: Api, idp: SamlIdP) -> None:
    acct = api.signup()
    resp = api.patch(acct, _saml(acct.organization_id), {"idp_metadata_xml": idp.metadata_xml()})
    assert resp.status_code == 402
    assert error(resp)["code"] == "feature_not_in_plan" and resp.get_json()["feature"] == "saml_sso"
    assert api.get(acct, _saml(acct.organization_id)).status_code == 402


def test_metadata_import_and_sp_metadata(sso_org: SSOOrg, idp: SamlIdP) -> None:
    body = sso_org.api.get(sso_org.admin, _saml(sso_org.org_id)).get_json()
    assert body["idp_entity_id"] == idp.entity_id
    assert body["idp_sso_url"] == idp.sso_url and len(body["idp_certs"]) == 1
    assert body["sp_entity_id"] == sso_org.sp_entity_id and body["sp_acs_url"] == sso_org.acs_url
    xml = sso_org.sp_metadata()
    assert f'entityID="{sso_org.sp_entity_id}"' in xml and sso_org.acs_url in xml
    missing = sso_org.api.get(None, f"/api/saml/{uuid.uuid4()}/metadata/")
    assert missing.status_code == 404


def test_manual_config_certs_and_validation(
    sso_org: SSOOrg, idp: SamlIdP, other_keys: tuple[str, str]
) -> None:
    body = sso_org.configure(
        idp_entity_id="https://idp2.example.com/",
        idp_sso_url="https://idp2.example.com/sso",
        idp_certs=[idp.cert_pem, other_keys[1]],
        attribute_mapping={"email": "workEmail"},
        default_level=8,
    )
    assert len(body["idp_certs"]) == 2 and body["default_level"] == 8
    path = _saml(sso_org.org_id)
    for bad, attr in [
        ({"idp_certs": ["not a cert"]}, "idp_certs"),
        ({"idp_certs": [idp.cert_pem] * 3}, "idp_certs"),
        ({"default_level": 15}, "default_level"),
        ({"attribute_mapping": {"role": "x"}}, "attribute_mapping"),
        ({"idp_metadata_xml": "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"}, "idp_metadata_xml"),
        ({"idp_sso_url": "ftp://idp"}, "idp_sso_url"),
    ]:
        resp = sso_org.api.patch(sso_org.admin, path, bad)
        assert resp.status_code == 400, (bad, resp.get_json())
        assert error(resp)["attr"] == attr
    with sso_org.api.app.app_context(), tenant_scope(uuid.UUID(sso_org.org_id)):
        logged = (
            get_session()
            .scalars(select(ActivityLog).where(ActivityLog.scope == "SAMLConfig"))
            .all()
        )
    assert {e.action for e in logged} >= {"created", "updated"}
    changed = {c["field"] for e in logged for c in e.detail["changes"]}
    assert {"idp_entity_id", "default_level"} <= changed


def test_saml_config_needs_admin_and_recent_login(sso_org: SSOOrg) -> None:
    api = sso_org.api
    member = api.invite_and_join(sso_org.admin, level=1)
    assert api.patch(member, _saml(sso_org.org_id), {"jit_enabled": False}).status_code == 403
    with api.app.app_context():
        get_session().execute(
            update(UserSession).values(authenticated_at=utcnow() - timedelta(hours=2))
        )
        get_session().commit()
    resp = api.patch(sso_org.admin, _saml(sso_org.org_id), {"jit_enabled": False})
    assert resp.status_code == 403 and error(resp)["code"] == "reauthentication_required"


def test_cross_tenant_ids_answer_404(sso_org: SSOOrg, editions: Editions, txt: TXT) -> None:
    api = sso_org.api
    other = api.signup()
    editions.grant(other.organization_id)
    rows = api.get(sso_org.admin, f"/api/organizations/{sso_org.org_id}/domains/").get_json()
    domain_id = rows["results"][0]["id"]
    a_domains = f"/api/organizations/{sso_org.org_id}/domains/"
    assert api.get(other, _saml(sso_org.org_id)).status_code == 404
    assert api.patch(other, _saml(sso_org.org_id), {"jit_enabled": False}).status_code == 404
    assert api.get(other, a_domains).status_code == 404
    assert api.get(other, f"{a_domains}{domain_id}/").status_code == 404
    b_domains = f"/api/organizations/{other.organization_id}/domains/"
    assert api.get(other, f"{b_domains}{domain_id}/").status_code == 404
    assert api.post(other, f"{b_domains}{domain_id}/verify/", {}).status_code == 404
    assert api.delete(other, f"{b_domains}{domain_id}/").status_code == 404
    assert api.get(sso_org.admin, f"{a_domains}{domain_id}/").status_code == 200


def test_domain_lifecycle(api: Api, txt: TXT) -> None:
    acct = api.signup()
    base = f"/api/organizations/{acct.organization_id}/domains/"
    resp = api.post(acct, base, {"domain": "Initech.Example.com."})
    assert resp.status_code == 201
    row = resp.get_json()
    assert row["domain"] == "initech.example.com" and not row["is_verified"]
    assert row["challenge_name"] == "_burrow-challenge.initech.example.com"
    assert api.post(acct, base, {"domain": "initech.example.com"}).status_code == 409
    assert api.post(acct, base, {"domain": "not a domain"}).status_code == 400
    resp = api.post(acct, f"{base}{row['id']}/verify/", {})
    assert resp.status_code == 400 and error(resp)["code"] == "challenge_not_found"
    txt.records[row["challenge_name"]] = ["unrelated", row["challenge_value"]]
    resp = api.post(acct, f"{base}{row['id']}/verify/", {})
    assert resp.status_code == 200 and resp.get_json()["is_verified"] is True
    assert api.get(acct, base).get_json()["count"] == 1
    assert api.delete(acct, f"{base}{row['id']}/").status_code == 204
    assert api.get(acct, f"{base}{row['id']}/").status_code == 404


def test_domain_verified_by_one_org_only_and_staff_override(api: Api, txt: TXT) -> None:
    first = api.signup()  # the first user of a self-hosted instance is its instance admin
    second = api.signup()
    verify_domain(api, txt, first, "hooli.example.com")
    base = f"/api/organizations/{second.organization_id}/domains/"
    row = api.post(second, base, {"domain": "hooli.example.com"}).get_json()
    resp = api.post(second, f"{base}{row['id']}/verify/", {})
    assert resp.status_code == 409 and error(resp)["code"] == "domain_taken"
    other = api.post(second, base, {"domain": "piedpiper.example.com"}).get_json()
    resp = api.post(second, f"{base}{other['id']}/verify/", {"mark_verified": True})
    assert resp.status_code == 400 and error(resp)["code"] == "not_instance_admin"
    base1 = f"/api/organizations/{first.organization_id}/domains/"
    own = api.post(first, base1, {"domain": "endframe.example.com"}).get_json()
    resp = api.post(first, f"{base1}{own['id']}/verify/", {"mark_verified": True})
    assert resp.status_code == 200 and resp.get_json()["is_verified"] is True


def test_recheck_job_unverifies_after_repeated_misses(api: Api, txt: TXT) -> None:
    acct = api.signup()
    row = verify_domain(api, txt, acct, "umbrella.example.com")
    txt.records.clear()
    for _ in range(3):
        with api.app.app_context():
            with unscoped():
                get_session().execute(
                    update(VerifiedDomain).values(last_checked_at=utcnow() - timedelta(days=2))
                )
                get_session().commit()
            runner.run("workers.jobs.sso.maintenance", None, None, {})
    got = api.get(acct, f"/api/organizations/{acct.organization_id}/domains/{row['id']}/")
    assert got.get_json()["is_verified"] is False


class _DNS:
    """A tiny UDP DNS server answering TXT queries from a dict (the DNS edge)."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            name = query.question[0].name.to_text().rstrip(".")
            values = self.records.get(name, [])
            if values:
                reply.answer.append(
                    dns.rrset.from_text(name + ".", 60, "IN", "TXT", *[f'"{v}"' for v in values])
                )
            self.sock.sendto(reply.to_wire(), addr)


@pytest.fixture
def dns_server() -> Iterator[_DNS]:
    server = _DNS()
    yield server
    server.sock.close()


def test_production_resolver_against_a_dns_server(app_factory: Any, dns_server: _DNS) -> None:
    app = app_factory(SSO_DNS_NAMESERVERS=[f"127.0.0.1:{dns_server.port}"])
    api = Api(app)
    acct = api.signup()
    base = f"/api/organizations/{acct.organization_id}/domains/"
    row = api.post(acct, base, {"domain": "wayne.example.com"}).get_json()
    assert api.post(acct, f"{base}{row['id']}/verify/", {}).status_code == 400
    dns_server.records[row["challenge_name"]] = [row["challenge_value"]]
    resp = api.post(acct, f"{base}{row['id']}/verify/", {})
    assert resp.status_code == 200, resp.get_json()
