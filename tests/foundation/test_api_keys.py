"""Personal API keys: shown once, hashed, scopes, restrictions, expiry, roll, bearer only."""

from datetime import timedelta

from sqlalchemy import select

from app.api_keys.models import PersonalAPIKey
from app.db import get_session, utcnow
from app.security import sha256_hex
from tests.helpers import Api, error


def test_value_shown_once_and_stored_hashed(api: Api) -> None:
    acct = api.signup()
    resp = api.post(acct, "/api/personal_api_keys/", {"label": "ci", "scopes": ["project:read"]})
    body = resp.get_json()
    assert body["value"].startswith("phx_")
    assert body["mask_value"].endswith(body["value"][-4:])
    again = api.get(acct, f"/api/personal_api_keys/{body['id']}/").get_json()
    assert again["value"] is None
    with api.app.app_context():
        stored = get_session().scalar(select(PersonalAPIKey))
        assert stored.secure_value == sha256_hex(body["value"])
        assert body["value"] not in str(stored.__dict__)


def test_scopes_are_enforced(api: Api) -> None:
    acct = api.signup()
    key = api.create_key(acct, scopes=["project:read"])
    assert api.get(key, f"/api/projects/{acct.project_id}/").status_code == 200
    resp = api.patch(key, f"/api/projects/{acct.project_id}/", {"name": "x"})
    assert resp.status_code == 403
    assert error(resp)["code"] == "missing_scope"
    assert api.get(key, f"/api/organizations/{acct.organization_id}/").status_code == 403
    write = api.create_key(acct, scopes=["project:write"])
    assert (
        api.patch(write, f"/api/projects/{acct.project_id}/", {"name": "renamed"}).status_code
        == 200
    )


def test_keys_cannot_manage_keys_or_sessions(api: Api) -> None:
    acct = api.signup()
    key = api.create_key(acct, scopes=["*"])
    assert api.get(key, "/api/personal_api_keys/").status_code == 403
    current = api.get(key, "/api/personal_api_keys/@current/")
    assert current.status_code == 200
    assert current.get_json()["scopes"] == ["*"]


def test_project_restriction(api: Api) -> None:
    acct = api.signup()
    other = api.post(acct, f"/api/organizations/{acct.organization_id}/projects/", {"name": "B"})
    other_id = other.get_json()["id"]
    key = api.create_key(acct, scopes=["project:read"], scoped_projects=[acct.project_id])
    assert api.get(key, f"/api/projects/{acct.project_id}/").status_code == 200
    assert api.get(key, f"/api/projects/{other_id}/").status_code == 404
    listed = api.get(key, f"/api/organizations/{acct.organization_id}/projects/").get_json()
    assert [p["id"] for p in listed["results"]] == [acct.project_id]


def test_organization_restriction(api: Api) -> None:
    acct = api.signup()
    second = api.post(acct, "/api/organizations/", {"name": "Second"}).get_json()["id"]
    key = api.create_key(
        acct, scopes=["organization:read"], scoped_organizations=[acct.organization_id]
    )
    assert api.get(key, f"/api/organizations/{acct.organization_id}/").status_code == 200
    assert api.get(key, f"/api/organizations/{second}/").status_code == 404
    orgs = api.get(key, "/api/organizations/").get_json()
    assert [o["id"] for o in orgs["results"]] == [acct.organization_id]


def test_restriction_to_foreign_org_is_refused(api: Api) -> None:
    acct = api.signup()
    other = api.signup()
    resp = api.post(
        acct,
        "/api/personal_api_keys/",
        {"label": "x", "scoped_organizations": [other.organization_id]},
    )
    assert resp.status_code == 400
    assert error(resp)["attr"] == "scoped_organizations"
    resp = api.post(
        acct, "/api/personal_api_keys/", {"label": "x", "scoped_projects": [other.project_id]}
    )
    assert resp.status_code == 400
    resp = api.post(acct, "/api/personal_api_keys/", {"label": "x", "scopes": ["bogus:read"]})
    assert resp.status_code == 400
    assert api.get(acct, "/api/personal_api_keys/").get_json()["count"] == 0


def test_expired_key_is_refused(api: Api) -> None:
    acct = api.signup()
    key = api.create_key(acct, scopes=["*"])
    with api.app.app_context():
        session = get_session()
        stored = session.scalar(select(PersonalAPIKey))
        stored.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    resp = api.get(key, f"/api/projects/{acct.project_id}/")
    assert resp.status_code == 401
    assert error(resp)["code"] == "invalid_api_key"


def test_roll_replaces_value_and_delete_revokes(api: Api) -> None:
    acct = api.signup()
    body = api.post(acct, "/api/personal_api_keys/", {"label": "r", "scopes": ["*"]}).get_json()
    old = body["value"]
    new = api.post(acct, f"/api/personal_api_keys/{body['id']}/roll/").get_json()["value"]
    assert new != old
    assert api.get(old, f"/api/projects/{acct.project_id}/").status_code == 401
    assert api.get(new, f"/api/projects/{acct.project_id}/").status_code == 200
    assert api.delete(acct, f"/api/personal_api_keys/{body['id']}/").status_code == 204
    assert api.get(new, f"/api/projects/{acct.project_id}/").status_code == 401


def test_last_used_at_updates_at_most_hourly(api: Api) -> None:
    acct = api.signup()
    key = api.create_key(acct, scopes=["*"])
    api.get(key, f"/api/projects/{acct.project_id}/")
    with api.app.app_context():
        first = get_session().scalar(select(PersonalAPIKey.last_used_at))
    api.get(key, f"/api/projects/{acct.project_id}/")
    with api.app.app_context():
        second = get_session().scalar(select(PersonalAPIKey.last_used_at))
    assert first is not None and first == second


def test_key_only_in_bearer_header(api: Api) -> None:
    acct = api.signup()
    key = api.create_key(acct, scopes=["*"])
    client = api.new_client()
    assert client.get(f"/api/projects/{acct.project_id}/?personal_api_key={key}").status_code == 401
    assert (
        client.get(f"/api/projects/{acct.project_id}/", headers={"Authorization": key}).status_code
        == 401
    )


def test_other_users_keys_are_404(api: Api) -> None:
    a = api.signup()
    b = api.signup()
    key_id = api.post(a, "/api/personal_api_keys/", {"label": "a"}).get_json()["id"]
    for method in ("GET", "PATCH", "DELETE"):
        assert api.call(b, method, f"/api/personal_api_keys/{key_id}/", json={}).status_code == 404
    assert api.post(b, f"/api/personal_api_keys/{key_id}/roll/").status_code == 404
    assert api.get(a, f"/api/personal_api_keys/{key_id}/").status_code == 200


def test_keys_are_rate_limited_per_minute(api: Api) -> None:
    from app import access

    acct = api.signup()
    key = api.create_key(acct, scopes=["project:read"])
    other = api.create_key(acct, scopes=["project:read"])
    url = f"/api/projects/{acct.project_id}/"
    _start_of_a_fresh_window()
    limit = access.KEY_LIMITS[0][0]
    statuses = [api.get(key, url).status_code for _ in range(limit)]
    assert statuses == [200] * limit
    blocked = api.get(key, url)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert error(blocked)["type"] == "rate_limited"
    assert api.get(other, url).status_code == 200  # limits are per key
    assert api.get(acct, url).status_code == 200  # and sessions are not keys


def test_rolling_a_key_needs_a_recent_login(api: Api) -> None:
    from sqlalchemy import update

    from app.auth.models import UserSession
    from app.db import get_db

    acct = api.signup()
    key_id = api.post(acct, "/api/personal_api_keys/", {"label": "r"}).get_json()["id"]
    with api.app.app_context(), get_db().engine.begin() as conn:
        conn.execute(update(UserSession).values(authenticated_at=utcnow() - timedelta(hours=2)))
    resp = api.post(acct, f"/api/personal_api_keys/{key_id}/roll/")
    assert resp.status_code == 403
    assert error(resp)["code"] == "reauthentication_required"


def _start_of_a_fresh_window() -> None:
    """Limits use fixed one-minute windows: start early in one so the run cannot straddle two."""
    import time

    if time.time() % 60 > 25:
        time.sleep(60 - time.time() % 60 + 0.5)
