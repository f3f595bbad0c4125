"""Membership level rules from tenancy.md."""

from tests.helpers import Api, error

MEMBER, ADMIN, OWNER = 1, 8, 15


def _members_url(acct):
    return f"/api/organizations/{acct.organization_id}/members/"


def _level_of(api: Api, acct, user_id: str) -> int:
    rows = api.get(acct, _members_url(acct)).get_json()["results"]
    return next(r["level"] for r in rows if r["user_id"] == user_id)


def test_cannot_change_own_level(api: Api) -> None:
    owner = api.signup()
    resp = api.patch(owner, _members_url(owner) + f"{owner.user_id}/", {"level": ADMIN})
    assert resp.status_code == 403
    assert error(resp)["code"] == "cannot_change_own_level"
    assert _level_of(api, owner, owner.user_id) == OWNER


def test_admin_cannot_grant_owner_or_touch_owner(api: Api) -> None:
    owner = api.signup()
    admin = api.invite_and_join(owner, level=ADMIN)
    member = api.invite_and_join(owner, level=MEMBER)
    resp = api.patch(admin, _members_url(owner) + f"{member.user_id}/", {"level": OWNER})
    assert resp.status_code == 403
    assert error(resp)["code"] == "level_above_own"
    resp = api.patch(admin, _members_url(owner) + f"{owner.user_id}/", {"level": MEMBER})
    assert resp.status_code == 403
    assert _level_of(api, owner, owner.user_id) == OWNER
    resp = api.patch(admin, _members_url(owner) + f"{member.user_id}/", {"level": ADMIN})
    assert resp.status_code == 200
    assert _level_of(api, owner, member.user_id) == ADMIN


def test_member_cannot_change_levels(api: Api) -> None:
    owner = api.signup()
    m1 = api.invite_and_join(owner)
    m2 = api.invite_and_join(owner)
    resp = api.patch(m1, _members_url(owner) + f"{m2.user_id}/", {"level": MEMBER})
    assert resp.status_code == 403
    assert error(resp)["code"] == "insufficient_level"


def test_only_owner_makes_owners_and_last_owner_is_kept(api: Api) -> None:
    owner = api.signup()
    other = api.invite_and_join(owner, level=ADMIN)
    # the only owner cannot leave
    resp = api.delete(owner, _members_url(owner) + f"{owner.user_id}/")
    assert resp.status_code == 409
    assert error(resp)["code"] == "last_owner"
    resp = api.patch(owner, _members_url(owner) + f"{other.user_id}/", {"level": OWNER})
    assert resp.status_code == 200
    # with two owners, one may demote the other, and then the last one is protected again
    resp = api.patch(other, _members_url(owner) + f"{owner.user_id}/", {"level": ADMIN})
    assert resp.status_code == 200
    resp = api.patch(owner, _members_url(owner) + f"{other.user_id}/", {"level": ADMIN})
    assert resp.status_code == 403  # an admin cannot touch an owner
    resp = api.delete(other, _members_url(owner) + f"{other.user_id}/")
    assert resp.status_code == 409


def test_invalid_level_is_a_validation_error(api: Api) -> None:
    owner = api.signup()
    member = api.invite_and_join(owner)
    resp = api.patch(owner, _members_url(owner) + f"{member.user_id}/", {"level": 3})
    assert resp.status_code == 400
    assert error(resp)["attr"] == "level"
    assert _level_of(api, owner, member.user_id) == MEMBER


def test_member_can_leave_and_admin_can_remove(api: Api) -> None:
    owner = api.signup()
    m1 = api.invite_and_join(owner)
    m2 = api.invite_and_join(owner)
    assert api.delete(m1, _members_url(owner) + f"{m1.user_id}/").status_code == 204
    assert api.get(m1, f"/api/organizations/{owner.organization_id}/").status_code == 404
    assert api.delete(m2, _members_url(owner) + f"{owner.user_id}/").status_code == 403
    assert api.delete(owner, _members_url(owner) + f"{m2.user_id}/").status_code == 204
    ids = [r["user_id"] for r in api.get(owner, _members_url(owner)).get_json()["results"]]
    assert ids == [owner.user_id]


def test_level_change_is_activity_logged(api: Api) -> None:
    owner = api.signup()
    member = api.invite_and_join(owner)
    api.patch(owner, _members_url(owner) + f"{member.user_id}/", {"level": ADMIN})
    log = api.get(owner, f"/api/organizations/{owner.organization_id}/activity/?scope=Membership")
    entries = [e for e in log.get_json()["results"] if e["action"] == "level_changed"]
    assert entries[0]["detail"]["changes"] == [
        {"field": "level", "before": "member", "after": "admin"}
    ]
    assert entries[0]["actor"]["email"] == owner.email
