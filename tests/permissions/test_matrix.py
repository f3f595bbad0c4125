"""The permission matrix: every project route in the URL map x every kind of principal.

Routes are discovered from app.url_map (so insights, dashboards, experiments, query... are
covered as soon as they are registered). A principal without access to a project gets 404
on every method of every route; one with access gets, on every GET, exactly what the owner
gets (and 200 on the core lists).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from redis import Redis

from app.http import view_attr
from app.ratelimit import reset_local
from tests.conftest import _truncate, make_app
from tests.helpers import Api
from tests.permissions.conftest import (
    PRINCIPALS,
    SEES_LOCKED,
    SEES_OPEN,
    World,
    build_world,
    install_editions,
)

CORE_LISTS = ("/", "/feature_flags/", "/events/", "/persons/", "/access/")


def project_routes(app: Flask) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "project_id" not in rule.arguments or view_attr(view, "public"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method))
    return out


def fill(rule: str, project_id: int, flag_id: int) -> str:
    path = rule.replace("<int:project_id>", str(project_id))
    path = path.replace("<int:flag_id>", str(flag_id))
    while "<" in path:
        start, end = path.index("<"), path.index(">")
        conv = path[start + 1 : end]
        dummy = "999999" if conv.startswith("int:") else str(uuid.uuid4())
        path = path[:start] + dummy + path[end + 1 :]
    return path


@pytest.fixture(scope="module")
def shared(database_url: str, redis_url: str) -> Iterator[tuple[Api, World]]:
    """One read-only world for the whole matrix (building one costs seconds of argon2)."""
    app = make_app(database_url, redis_url)
    api = Api(app)
    world = build_world(api, install_editions(app))
    Redis.from_url(redis_url).flushdb()  # the signup rate limit must not leak into later tests
    reset_local()
    yield api, world
    _truncate(app)
    app.extensions["db"].engine.dispose()
    Redis.from_url(redis_url).flushdb()
    reset_local()


def test_routes_are_discovered(app: Flask) -> None:
    rules = {r for r, _ in project_routes(app)}
    for suffix in CORE_LISTS:
        assert f"/api/projects/<int:project_id>{suffix}" in rules


@pytest.mark.parametrize("project", ["open", "locked"])
@pytest.mark.parametrize("name", PRINCIPALS)
def test_matrix(shared: tuple[Api, World], name: str, project: str) -> None:
    api, world = shared
    project_id = world.locked_project if project == "locked" else world.open_project
    sees = name in (SEES_LOCKED if project == "locked" else SEES_OPEN)
    who: Any = world.principals[name]
    flag = world.flags[project_id]
    failures = []
    for rule, method in project_routes(api.app):
        if sees and method != "GET":
            continue  # writes by those with access are covered by the behaviour tests
        path = fill(rule, project_id, flag)
        got = api.call(who, method, path, json={}).status_code
        expected = api.get(world.owner, path).status_code if sees else 404
        if got != expected:
            failures.append((method, rule, got, expected))
    assert failures == []
    if sees:
        for suffix in CORE_LISTS:
            path = f"/api/projects/{project_id}{suffix}"
            assert api.get(who, path).status_code == 200, path
    # the project, and the flag in it, are unchanged by all of it
    body = api.get(world.owner, f"/api/projects/{project_id}/").get_json()
    assert body["access_restricted"] is (project == "locked")
    flag_path = f"/api/projects/{project_id}/feature_flags/{flag}/"
    assert api.get(world.owner, flag_path).status_code == 200


@pytest.mark.parametrize("name", PRINCIPALS)
def test_project_list_shows_only_visible_projects(shared: tuple[Api, World], name: str) -> None:
    api, world = shared
    who = world.principals[name]
    resp = api.get(who, f"/api/organizations/{world.owner.organization_id}/projects/")
    assert resp.status_code == 200
    ids = {p["id"] for p in resp.get_json()["results"]}
    expected = {world.open_project} if name in SEES_OPEN else set()
    if name in SEES_LOCKED:
        expected.add(world.locked_project)
    assert ids == expected


def test_granted_principals_write_in_the_restricted_project(api: Api, world: World) -> None:
    base = f"/api/projects/{world.locked_project}/feature_flags/"
    for name in ("member_with_grant", "role_member", "service_account_granted"):
        resp = api.post(world.principals[name], base, {"key": f"by-{name}"})
        assert resp.status_code == 201, resp.get_json()
    resp = api.post(world.principals["member_without_grant"], base, {"key": "nope"})
    assert resp.status_code == 404


def test_project_member_level_cannot_manage_access_but_project_admin_can(
    api: Api, world: World
) -> None:
    member = world.principals["member_with_grant"]
    path = f"/api/projects/{world.locked_project}/access/"
    assert api.patch(member, path, {"access_restricted": False}).status_code == 403
    assert (
        api.patch(member, f"/api/projects/{world.locked_project}/", {"name": "x"}).status_code
        == 403
    )
    resp = api.post(world.owner, path + "grants/", {"user_id": member.user_id, "level": "admin"})
    assert resp.status_code == 201
    assert api.get(member, path).get_json()["your_access"] == "admin"
    assert (
        api.patch(member, f"/api/projects/{world.locked_project}/", {"name": "x"}).status_code
        == 200
    )
    # project admin is scoped to that project: the open project still treats them as a member
    assert (
        api.patch(member, f"/api/projects/{world.open_project}/", {"name": "y"}).status_code == 403
    )
