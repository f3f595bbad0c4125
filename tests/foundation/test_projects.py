"""Projects: create, update with validation, secret rotation overlap, public token reset."""

from datetime import timedelta

from sqlalchemy import update

from app.db import get_db, utcnow
from app.projects.models import Project
from app.tenancy import unscoped
from tests.helpers import Api, error


def test_create_shows_secret_once_and_member_cannot_create(api: Api) -> None:
    owner = api.signup()
    member = api.invite_and_join(owner)
    url = f"/api/organizations/{owner.organization_id}/projects/"
    created = api.post(owner, url, {"name": "Web", "timezone": "Europe/Paris"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["secret_api_token"].startswith("phs_") and body["timezone"] == "Europe/Paris"
    assert api.get(owner, f"/api/projects/{body['id']}/").get_json()["secret_api_token"] is None
    assert api.post(member, url, {"name": "Nope"}).status_code == 403
    assert api.get(member, url).get_json()["count"] == 2


def test_timezone_validation_changes_nothing(api: Api) -> None:
    acct = api.signup()
    url = f"/api/projects/{acct.project_id}/"
    resp = api.patch(acct, url, {"timezone": "Mars/Olympus", "name": "X"})
    assert resp.status_code == 400
    assert error(resp)["attr"] == "timezone"
    assert api.get(acct, url).get_json()["name"] == "Default project"
    assert (
        api.patch(acct, url, {"timezone": "Asia/Tokyo", "week_start_day": 1}).get_json()["timezone"]
        == "Asia/Tokyo"
    )
    assert api.patch(acct, url, {"week_start_day": 3}).status_code == 400


def _local_eval(api: Api, secret: str):
    """Any route accepting project secrets; until flags land we check the principal directly."""
    from app.access import project_for_secret

    with api.app.app_context():
        project = project_for_secret(secret)
        return project.id if project else None


def test_secret_rotation_keeps_old_key_for_overlap(api: Api) -> None:
    acct = api.signup()
    created = api.post(
        acct, f"/api/organizations/{acct.organization_id}/projects/", {"name": "P"}
    ).get_json()
    old = created["secret_api_token"]
    new = api.post(acct, f"/api/projects/{created['id']}/rotate_secret_token/").get_json()[
        "secret_api_token"
    ]
    assert new != old
    assert _local_eval(api, old) == created["id"] == _local_eval(api, new)
    with api.app.app_context(), get_db().engine.begin() as conn, unscoped():
        conn.execute(
            update(Project).values(previous_secret_valid_until=utcnow() - timedelta(seconds=1))
        )
    assert _local_eval(api, old) is None
    assert _local_eval(api, new) == created["id"]


def test_reset_public_token_and_activity(api: Api) -> None:
    acct = api.signup()
    url = f"/api/projects/{acct.project_id}/"
    before = api.get(acct, url).get_json()["api_token"]
    after = api.post(acct, url + "reset_token/").get_json()["api_token"]
    assert after != before and after.startswith("phc_")
    log = api.get(
        acct, f"/api/organizations/{acct.organization_id}/activity/?scope=Project"
    ).get_json()
    actions = [e["action"] for e in log["results"]]
    assert "token_reset" in actions and "created" in actions
    assert before not in str(log) and after not in str(log)


def test_delete_project_needs_admin(api: Api) -> None:
    owner = api.signup()
    member = api.invite_and_join(owner)
    url = f"/api/projects/{owner.project_id}/"
    assert api.delete(member, url).status_code == 403
    assert api.delete(owner, url).status_code == 204
    assert api.get(owner, url).status_code == 404


def test_organizations_crud(api: Api) -> None:
    acct = api.signup()
    created = api.post(acct, "/api/organizations/", {"name": "Second Org"})
    assert created.status_code == 201
    org = created.get_json()
    assert org["membership_level"] == 15 and org["edition"] == "free"
    assert "product_analytics" in org["entitlements"] and "saml_sso" not in org["entitlements"]
    listed = api.get(acct, "/api/organizations/").get_json()
    assert listed["count"] == 2
    url = f"/api/organizations/{org['id']}/"
    assert api.patch(acct, url, {"slug": "Bad Slug!"}).status_code == 400
    assert api.patch(acct, url, {"name": "Renamed"}).get_json()["name"] == "Renamed"
    assert api.post(acct, "/api/organizations/", {"name": ""}).status_code == 400
    assert api.delete(acct, url).status_code == 204
    assert api.get(acct, url).status_code == 404
