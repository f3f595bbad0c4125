"""Resource grants: a contractor sees one project's flags/dashboards as a viewer and nothing else."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask

from app.access import Principal
from app.auth.models import User
from app.db import get_session
from app.permissions.service import can_edit, can_view, visible_resource_ids
from tests.helpers import Account, Api
from tests.permissions.conftest import World, create_flag, ok

RESOURCE_COLLECTIONS = {
    "feature_flag": ("feature_flags", {"key": "contractor-made"}),
    "dashboard": ("dashboards", {"name": "contractor-made"}),
}


def resource_grant(api: Api, world: World, who: Account, **body: Any) -> Any:
    path = f"/api/projects/{world.locked_project}/access/resource_grants/"
    return api.post(world.owner, path, {"user_id": who.user_id, **body})


def kinds_present(app: Flask) -> list[str]:
    return [k for k, (blueprint, _) in RESOURCE_COLLECTIONS.items() if blueprint in app.blueprints]


def test_kind_wide_viewer_reads_that_kind_only(api: Api, world: World) -> None:
    contractor = world.principals["member_without_grant"]
    base = f"/api/projects/{world.locked_project}"
    kinds = kinds_present(api.app)
    assert "feature_flag" in kinds
    for kind in kinds:
        ok(resource_grant(api, world, contractor, resource_kind=kind, level="viewer"), 201)
    for kind in kinds:
        collection, body = RESOURCE_COLLECTIONS[kind]
        assert api.get(contractor, f"{base}/{collection}/").status_code == 200
        assert api.post(contractor, f"{base}/{collection}/", body).status_code == 403
    flag = world.flags[world.locked_project]
    assert api.get(contractor, f"{base}/feature_flags/{flag}/").status_code == 200
    assert api.patch(contractor, f"{base}/feature_flags/{flag}/", {"name": "x"}).status_code == 403
    assert api.get(contractor, f"{base}/").status_code == 200  # the project's name and settings
    for other in ("/events/", "/persons/", "/access/", "/property_definitions/"):
        assert api.get(contractor, base + other).status_code == 404, other
    assert api.patch(contractor, f"{base}/", {"name": "x"}).status_code == 404


def test_item_grant_shows_that_item_and_filters_the_list(api: Api, world: World) -> None:
    contractor = world.principals["member_without_grant"]
    base = f"/api/projects/{world.locked_project}/feature_flags/"
    visible, hidden = (
        world.flags[world.locked_project],
        create_flag(api, world.owner, world.locked_project),
    )
    ok(resource_grant(api, world, contractor, resource_kind="feature_flag",
                      resource_id=str(visible), level="editor"), 201)  # fmt: skip
    listed = ok(api.get(contractor, base))
    assert [f["id"] for f in listed["results"]] == [visible] and listed["count"] == 1
    assert api.get(contractor, f"{base}{hidden}/").status_code == 404
    assert api.patch(contractor, f"{base}{hidden}/", {"name": "x"}).status_code == 404
    assert api.patch(contractor, f"{base}{visible}/", {"name": "edited"}).status_code == 200
    assert api.post(contractor, base, {"key": "new-one"}).status_code == 403  # no kind-wide edit


def test_service_api_answers_for_resource_routes(api: Api, world: World) -> None:
    contractor = world.principals["member_without_grant"]
    flag = world.flags[world.locked_project]
    ok(resource_grant(api, world, contractor, resource_kind="feature_flag",
                      resource_id=str(flag), level="viewer"), 201)  # fmt: skip
    with api.app.test_request_context():
        user = get_session().get(User, uuid.UUID(contractor.user_id))
        principal = Principal(kind="user", user=user)
        assert can_view(principal, world.locked_project, "feature_flag", flag)
        assert not can_edit(principal, world.locked_project, "feature_flag", flag)
        assert not can_view(principal, world.locked_project, "feature_flag", flag + 1)
        assert not can_view(principal, world.locked_project, "dashboard", 1)
        assert visible_resource_ids(principal, world.locked_project, "feature_flag") == {str(flag)}
        assert can_edit(principal, world.open_project, "feature_flag", 1)  # unrestricted project


def test_role_resource_grant_and_revocation(api: Api, world: World) -> None:
    contractor = world.principals["member_without_grant"]
    org = world.owner.organization_id
    role = ok(
        api.post(world.owner, f"/api/organizations/{org}/roles/", {"name": "Contractors"}), 201
    )
    ok(api.post(world.owner, f"/api/organizations/{org}/roles/{role['id']}/members/",
                {"user_id": contractor.user_id}), 201)  # fmt: skip
    path = f"/api/projects/{world.locked_project}/access/resource_grants/"
    grant = ok(api.post(world.owner, path, {"role_id": role["id"], "resource_kind": "feature_flag",
                                            "level": "viewer"}), 201)  # fmt: skip
    flags = f"/api/projects/{world.locked_project}/feature_flags/"
    assert api.get(contractor, flags).status_code == 200
    assert api.delete(world.owner, f"{path}{grant['id']}/").status_code == 204
    assert api.get(contractor, flags).status_code == 404
