"""License keys (self-hosted), role checks and tenant isolation of the billing API."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from app.entitlements import Edition, has_feature
from billing import licenses
from tests.billing.conftest import Deliver
from tests.billing.fake_stripe import FakeStripe
from tests.billing.test_checkout_and_webhooks import subscribe
from tests.helpers import Api, error

PRIVATE, PUBLIC = licenses.generate_keypair()


def issue(edition: Edition = Edition.GROWTH, *, days: int = 30, key: str = PRIVATE) -> str:
    today = date.today()
    return licenses.issue(
        private_key=key,
        edition=edition,
        licensee="Acme",
        issued=today - timedelta(days=1),
        expiry=today + timedelta(days=days),
    )


def test_license_lifecycle(app_factory: Any) -> None:
    app: Flask = app_factory(LICENSE_PUBLIC_KEY=PUBLIC)
    api = Api(app)
    admin = api.signup()  # first user of a self-hosted instance: instance admin
    org = uuid.UUID(admin.organization_id)
    assert api.get(admin, "/api/license/").get_json() == {"edition": "free", "license": None}
    resp = api.post(admin, "/api/license/", {"key": issue(Edition.ULTIMATE)})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["license"]["licensee"] == "Acme"
    with app.app_context():
        assert has_feature(org, "saml_sso")
    body = api.get(admin, f"/api/organizations/{org}/billing/").get_json()
    assert (body["edition"], body["source"]) == ("ultimate", "license")
    app.config["BURROW"].extra["BILLING_NOW"] = (date.today() + timedelta(days=31)).isoformat()
    with app.app_context():
        assert not has_feature(org, "saml_sso")  # expired → Free, the key stays installed
    got = api.get(admin, "/api/license/").get_json()
    assert got["edition"] == "free" and got["license"]["expired"] is True
    app.config["BURROW"].extra.pop("BILLING_NOW")
    assert api.delete(admin, "/api/license/").status_code == 204
    with app.app_context():
        assert not has_feature(org, "experiments")


def test_invalid_forged_and_expired_keys_are_refused(app_factory: Any) -> None:
    app: Flask = app_factory(LICENSE_PUBLIC_KEY=PUBLIC)
    api = Api(app)
    admin = api.signup()
    other_private, _ = licenses.generate_keypair()
    good = issue()
    prefix, payload, sig = good.split(".")
    tampered_payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    cases = {
        "forged": (issue(key=other_private), "invalid_license"),
        "tampered": (f"{prefix}.{tampered_payload}.{sig}", "invalid_license"),
        "garbage": ("not-a-license", "invalid_license"),
        "expired": (issue(days=-1), "license_expired"),
    }
    for name, (token, code) in cases.items():
        resp = api.post(admin, "/api/license/", {"key": token})
        assert resp.status_code == 400, name
        assert error(resp)["code"] == code and error(resp)["attr"] == "key", name
    assert api.get(admin, "/api/license/").get_json()["license"] is None


def test_only_instance_admins_manage_the_license(app_factory: Any) -> None:
    app: Flask = app_factory(LICENSE_PUBLIC_KEY=PUBLIC)
    api = Api(app)
    api.signup()
    outsider = api.signup()  # not the first user: not staff
    assert api.get(outsider, "/api/license/").status_code == 403
    resp = api.post(outsider, "/api/license/", {"key": issue()})
    assert resp.status_code == 403 and error(resp)["type"] == "permission_denied"
    assert api.delete(outsider, "/api/license/").status_code == 403
    assert api.get(None, "/api/license/").status_code == 401


def test_cli_generates_keys_and_issues_licenses(app_factory: Any, tmp_path: Path) -> None:
    runner = app_factory().test_cli_runner()
    out = runner.invoke(args=["billing", "generate-keypair"]).output
    private = out.split("private:")[1].split()[0]
    public = out.split("public:")[1].split()[0]
    key_file = tmp_path / "key"
    key_file.write_text(private)
    result = runner.invoke(
        args=[
            "billing",
            "issue-license",
            "--private-key-file",
            str(key_file),
            "--edition",
            "growth",
            "--licensee",
            "Initech",
            "--days",
            "10",
        ]
    )
    assert result.exit_code == 0, result.output
    app: Flask = app_factory(LICENSE_PUBLIC_KEY=public)
    with app.app_context():
        lic = licenses.verify(result.output.strip())
    assert (lic.edition, lic.licensee) == (Edition.GROWTH, "Initech")


def test_roles_and_tenant_isolation(capi: Api, fake: FakeStripe, deliver: Deliver) -> None:
    owner = capi.signup()
    customer = subscribe(capi, owner, fake, deliver)
    fake.invoices = [
        {
            "id": f"in_{i}",
            "object": "invoice",
            "customer": customer,
            "status": "paid",
            "amount_paid": 4900,
            "currency": "usd",
            "created": 1_700_000_000 + i,
        }
        for i in range(3)
    ]
    member = capi.invite_and_join(owner, level=1)
    stranger = capi.signup()
    base = f"/api/organizations/{owner.organization_id}/billing"
    assert capi.get(member, f"{base}/").get_json()["edition"] == "growth"
    for path in ("checkout/", "portal/"):
        resp = capi.post(member, f"{base}/{path}", {"edition": "ultimate"})
        assert resp.status_code == 403 and error(resp)["code"] == "insufficient_level"
    assert capi.get(member, f"{base}/invoices/").status_code == 403
    for method, path in (
        ("get", ""),
        ("post", "checkout/"),
        ("post", "portal/"),
        ("get", "invoices/"),
    ):
        resp = getattr(capi, method)(stranger, f"{base}/{path}")
        assert resp.status_code == 404, path
    page = capi.get(owner, f"{base}/invoices/?limit=2").get_json()
    assert [i["id"] for i in page["results"]] == ["in_0", "in_1"]
    assert "starting_after=in_1" in page["next"]
    rest = capi.get(owner, page["next"].replace("http://localhost", "")).get_json()
    assert [i["id"] for i in rest["results"]] == ["in_2"] and rest["next"] is None
    portal = capi.post(owner, f"{base}/portal/")
    assert portal.status_code == 200 and portal.get_json()["url"].startswith("https://")
    sent = fake.calls("POST", "/v1/billing_portal/sessions")[0]
    assert sent.params["customer"] == customer and sent.headers["Idempotency-Key"]
