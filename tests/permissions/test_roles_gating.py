"""Custom roles, the default role, plan gating (402) and downgrades that keep protecting data."""

from __future__ import annotations

import uuid

from app.entitlements import Edition
from app.roles import service as roles
from app.tenancy import tenant_scope
from tests.helpers import Api, error
from tests.permissions.conftest import World, create_project, create_role, grant, ok, restrict


def test_free_and_growth_get_402_on_restricting_and_roles(
    api: Api, editions: dict[uuid.UUID, Edition]
) -> None:
    owner = api.signup()
    member = api.invite_and_join(owner, 1)
    for edition in (None, Edition.GROWTH):
        if edition is not None:
            editions[uuid.UUID(owner.organization_id)] = edition
        body = error(restrict(api, owner, owner.project_id))
        assert (body["code"], body["type"]) == ("feature_not_in_plan", "feature_not_in_plan")
        assert create_role(api, owner, "Analysts").status_code == 402
        assert grant(api, owner, owner.project_id, user_id=member.user_id).status_code == 402
    assert restrict(api, owner, owner.project_id, restricted=False).status_code == 200
    project = ok(api.get(owner, f"/api/projects/{owner.project_id}/"))
    assert project["access_restricted"] is False


def test_role_crud_and_default_role_for_new_members(api: Api, make_ultimate: object) -> None:
    owner = api.signup()
    make_ultimate(owner)  # type: ignore[operator]
    org = owner.organization_id
    first = ok(create_role(api, owner, "Engineers", is_default=True), 201)
    second = ok(create_role(api, owner, "Support"), 201)
    assert create_role(api, owner, "Support").status_code == 409
    ok(api.patch(owner, f"/api/organizations/{org}/roles/{second['id']}/", {"is_default": True}))
    listed = ok(api.get(owner, f"/api/organizations/{org}/roles/"))["results"]
    assert {r["name"]: r["is_default"] for r in listed} == {"Engineers": False, "Support": True}
    newcomer = api.invite_and_join(owner, 1)
    members = ok(api.get(owner, f"/api/organizations/{org}/roles/{second['id']}/members/"))
    assert [m["user_id"] for m in members["results"]] == [newcomer.user_id]
    assert api.post(newcomer, f"/api/organizations/{org}/roles/", {"name": "x"}).status_code == 403
    stranger = api.signup()
    assert api.get(stranger, f"/api/organizations/{org}/roles/{first['id']}/").status_code == 404
    assert api.post(owner, f"/api/organizations/{org}/roles/{first['id']}/members/",
                    {"user_id": stranger.user_id}).status_code == 400  # fmt: skip
    with api.app.app_context():
        role = roles.default_role_for(uuid.UUID(org))
        assert role is not None and role.name == "Support"
        with tenant_scope(uuid.UUID(org)):
            roles.assign_default_role(uuid.UUID(newcomer.user_id))  # idempotent (SSO JIT path)
    assert (
        ok(api.get(owner, f"/api/organizations/{org}/roles/{second['id']}/members/"))["count"] == 1
    )
    role_path = f"/api/organizations/{org}/roles/{second['id']}/"
    assert api.delete(owner, f"{role_path}members/{newcomer.user_id}/").status_code == 204
    assert api.delete(owner, role_path).status_code == 204
    assert api.get(owner, role_path).status_code == 404


def test_downgrade_keeps_restrictions_which_can_be_removed_not_extended(
    api: Api, world: World, editions: dict[uuid.UUID, Edition]
) -> None:
    owner, locked = world.owner, world.locked_project
    outsider = world.principals["member_without_grant"]
    granted = world.principals["member_with_grant"]
    del editions[uuid.UUID(owner.organization_id)]  # back to Free
    path = f"/api/projects/{locked}/"
    assert api.get(outsider, path).status_code == 404  # fails closed
    assert api.get(granted, path).status_code == 200
    assert api.get(world.principals["role_member"], path).status_code == 200
    assert grant(api, owner, locked, user_id=outsider.user_id).status_code == 402
    assert create_role(api, owner, "New").status_code == 402
    other = create_project(api, owner, "Other")
    assert restrict(api, owner, other).status_code == 402
    grants = ok(api.get(owner, f"{path}access/"))["grants"]
    mine = next(g for g in grants if g["user_id"] == granted.user_id)
    assert api.delete(owner, f"{path}access/grants/{mine['id']}/").status_code == 204
    assert api.get(granted, path).status_code == 404
    assert restrict(api, owner, locked, restricted=False).status_code == 200
    assert api.get(outsider, path).status_code == 200
    assert restrict(api, owner, locked).status_code == 402
