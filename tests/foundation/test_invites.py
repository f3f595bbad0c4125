"""Invites: expiry, email match, replacement, permissions."""

from datetime import timedelta

from sqlalchemy import update

from app.db import get_db, utcnow
from app.members.models import Invite
from app.tenancy import unscoped
from tests.helpers import PASSWORD, Api, error, last_invite_token


def _invite(api: Api, owner, email: str, level: int = 1):
    return api.post(
        owner,
        f"/api/organizations/{owner.organization_id}/invites/",
        {"target_email": email, "level": level},
    )


def test_accept_with_matching_email_joins(api: Api) -> None:
    owner = api.signup()
    invitee = api.signup("bob@example.com")
    assert _invite(api, owner, "bob@example.com").status_code == 201
    token = last_invite_token(api.app, "bob@example.com")
    resp = api.post(invitee, "/api/invites/accept/", {"token": token})
    assert resp.status_code == 200
    assert api.get(invitee, f"/api/organizations/{owner.organization_id}/").status_code == 200
    # a used invite cannot be used again
    assert api.post(invitee, "/api/invites/accept/", {"token": token}).status_code == 400


def test_foreign_email_is_refused(api: Api) -> None:
    owner = api.signup()
    mallory = api.signup("mallory@example.com")
    _invite(api, owner, "bob@example.com")
    token = last_invite_token(api.app, "bob@example.com")
    resp = api.post(mallory, "/api/invites/accept/", {"token": token})
    assert resp.status_code == 400
    assert error(resp)["code"] == "invite_email_mismatch"
    assert api.get(mallory, f"/api/organizations/{owner.organization_id}/").status_code == 404


def test_expired_invite_is_refused(api: Api) -> None:
    owner = api.signup()
    _invite(api, owner, "late@example.com")
    token = last_invite_token(api.app, "late@example.com")
    with api.app.app_context(), get_db().engine.begin() as conn, unscoped():
        conn.execute(update(Invite).values(expires_at=utcnow() - timedelta(minutes=1)))
    resp = api.new_client().post(
        "/api/signup/",
        json={
            "email": "late@example.com",
            "password": PASSWORD,
            "first_name": "L",
            "invite_token": token,
        },
    )
    assert resp.status_code == 400
    assert error(resp)["code"] == "invite_expired"


def test_invite_expires_after_three_days(api: Api) -> None:
    owner = api.signup()
    body = _invite(api, owner, "x@example.com").get_json()
    from datetime import datetime

    created = datetime.fromisoformat(body["created_at"])
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs((expires - created) - timedelta(days=3)) < timedelta(seconds=5)


def test_resending_replaces_the_old_invite(api: Api) -> None:
    owner = api.signup()
    _invite(api, owner, "twice@example.com")
    first = last_invite_token(api.app, "twice@example.com")
    _invite(api, owner, "twice@example.com")
    second = last_invite_token(api.app, "twice@example.com")
    listed = api.get(owner, f"/api/organizations/{owner.organization_id}/invites/").get_json()
    assert [i["target_email"] for i in listed["results"]] == ["twice@example.com"]
    user = api.signup("twice@example.com")
    assert api.post(user, "/api/invites/accept/", {"token": first}).status_code == 400
    assert api.post(user, "/api/invites/accept/", {"token": second}).status_code == 200


def test_member_cannot_invite_above_own_level_or_when_disabled(api: Api) -> None:
    owner = api.signup()
    member = api.invite_and_join(owner)
    resp = _invite(api, member, "boss@example.com", level=8)
    assert resp.status_code == 403
    api.patch(owner, f"/api/organizations/{owner.organization_id}/", {"members_can_invite": False})
    resp = _invite(api, member, "friend@example.com")
    assert resp.status_code == 403
    assert _invite(api, owner, "friend@example.com").status_code == 201


def test_revoke_and_cross_tenant(api: Api) -> None:
    owner = api.signup()
    other = api.signup()
    invite_id = _invite(api, owner, "r@example.com").get_json()["id"]
    url = f"/api/organizations/{owner.organization_id}/invites/{invite_id}/"
    foreign = f"/api/organizations/{other.organization_id}/invites/{invite_id}/"
    assert api.delete(other, foreign).status_code == 404
    assert api.delete(other, url).status_code == 404
    assert api.delete(owner, url).status_code == 204
    assert (
        api.get(owner, f"/api/organizations/{owner.organization_id}/invites/").get_json()["count"]
        == 0
    )


def test_invite_validation(api: Api) -> None:
    owner = api.signup()
    resp = _invite(api, owner, "not-an-email")
    assert resp.status_code == 400
    assert error(resp)["attr"] == "target_email"
    resp = api.post(
        owner,
        f"/api/organizations/{owner.organization_id}/invites/",
        {"target_email": "a@example.com", "project_ids": [999999]},
    )
    assert resp.status_code == 400
    assert error(resp)["attr"] == "project_ids"
