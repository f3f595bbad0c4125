"""Service accounts: admin-managed, organization-owned, with scoped, expiring, rollable keys."""

from __future__ import annotations

import uuid
from datetime import timedelta

from app.db import get_session, utcnow
from app.service_accounts.models import ServiceAccountKey
from app.tenancy import unscoped
from tests.helpers import Api, error
from tests.permissions.conftest import create_project, ok


def base(org: str) -> str:
    return f"/api/organizations/{org}/service_accounts/"


def test_lifecycle_and_key_survives_its_creator_leaving(api: Api) -> None:
    owner = api.signup()
    admin = api.invite_and_join(owner, 8)
    org = owner.organization_id
    sa = ok(api.post(admin, base(org), {"name": "CI"}), 201)
    assert sa["created_by_id"] == admin.user_id and sa["level"] == 1
    key = ok(api.post(admin, f"{base(org)}{sa['id']}/keys/", {"label": "deploy"}), 201)
    raw = key["value"]
    assert raw.startswith("phsa_") and key["mask_value"].endswith(raw[-4:])
    listed = ok(api.get(owner, f"{base(org)}{sa['id']}/keys/"))["results"]
    assert [k["value"] for k in listed] == [None]  # shown once
    assert (
        api.delete(owner, f"/api/organizations/{org}/members/{admin.user_id}/").status_code == 204
    )
    assert api.get(raw, f"/api/projects/{owner.project_id}/feature_flags/").status_code == 200
    created = api.post(raw, f"/api/projects/{owner.project_id}/feature_flags/", {"key": "by-ci"})
    assert created.status_code == 201
    assert ok(api.get(owner, base(org) + sa["id"] + "/"))["created_by_id"] == admin.user_id
    # members cannot manage service accounts; other organizations cannot see them
    member = api.invite_and_join(owner, 1)
    assert api.get(member, base(org)).status_code == 403
    assert api.post(member, base(org), {"name": "x"}).status_code == 403
    stranger = api.signup()
    assert api.get(stranger, f"{base(org)}{sa['id']}/").status_code == 404
    assert api.get(raw, f"/api/projects/{stranger.project_id}/").status_code == 404
    assert (
        api.get(raw, f"/api/organizations/{stranger.organization_id}/projects/").status_code == 404
    )
    # an organization-level read works for the account's own organization
    projects = ok(api.get(raw, f"/api/organizations/{org}/projects/"))
    assert [p["id"] for p in projects["results"]] == [owner.project_id]


def test_roll_delete_disable_and_expiry(api: Api) -> None:
    owner = api.signup()
    org = owner.organization_id
    sa = ok(api.post(owner, base(org), {"name": "ETL"}), 201)
    keys = f"{base(org)}{sa['id']}/keys/"
    key = ok(api.post(owner, keys, {"label": "a"}), 201)
    path = f"/api/projects/{owner.project_id}/"
    rolled = ok(api.post(owner, f"{keys}{key['id']}/roll/"))["value"]
    assert api.get(key["value"], path).status_code == 401
    assert api.get(rolled, path).status_code == 200
    ok(api.patch(owner, f"{base(org)}{sa['id']}/", {"disabled": True}))
    assert error(api.get(rolled, path))["code"] == "invalid_api_key"
    ok(api.patch(owner, f"{base(org)}{sa['id']}/", {"disabled": False}))
    assert api.get(rolled, path).status_code == 200
    past = (utcnow() - timedelta(days=1)).isoformat()
    assert api.patch(owner, f"{keys}{key['id']}/", {"expires_at": past}).status_code == 400
    with api.app.app_context(), unscoped():
        row = get_session().get(ServiceAccountKey, uuid.UUID(key["id"]))
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        get_session().commit()
    assert api.get(rolled, path).status_code == 401
    other = ok(api.post(owner, keys, {"label": "b"}), 201)["value"]
    assert api.delete(owner, f"{base(org)}{sa['id']}/").status_code == 204
    assert api.get(other, path).status_code == 401


def test_scopes_and_project_restrictions(api: Api) -> None:
    owner = api.signup()
    org = owner.organization_id
    second = create_project(api, owner, "Second")
    sa = ok(api.post(owner, base(org), {"name": "reader"}), 201)
    keys = f"{base(org)}{sa['id']}/keys/"
    body = {"label": "r", "scopes": ["feature_flag:read"], "scoped_projects": [second]}
    raw = ok(api.post(owner, keys, body), 201)["value"]
    assert api.get(raw, f"/api/projects/{second}/feature_flags/").status_code == 200
    assert (
        error(api.post(raw, f"/api/projects/{second}/feature_flags/", {"key": "k"}))["code"]
        == "missing_scope"
    )
    assert api.get(raw, f"/api/projects/{owner.project_id}/feature_flags/").status_code == 404
    bad = {"label": "x", "scopes": ["nonsense:read"]}
    assert error(api.post(owner, keys, bad))["attr"] == "scopes"
    foreign = api.signup()
    bad = {"label": "x", "scoped_projects": [foreign.project_id]}
    assert error(api.post(owner, keys, bad))["attr"] == "scoped_projects"
    assert api.post(owner, base(org), {"name": "boss", "level": 15}).status_code == 400
