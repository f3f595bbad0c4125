"""Every route that takes a tenant id answers 404 to another tenant, by session and by key."""

import uuid

import pytest
from flask import Flask

from app.http import view_attr
from tests.helpers import Account, Api

TENANT_ARGS = {"organization_id", "project_id"}


def tenant_routes(app: Flask) -> list[tuple[str, str, set[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not (set(rule.arguments) & TENANT_ARGS) or view_attr(view, "public"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method, set(rule.arguments)))
    return out


def fill(rule: str, args: set[str], victim: Account) -> str:
    path = rule
    for name in args:
        if name == "organization_id":
            value = victim.organization_id
        elif name == "project_id":
            value = str(victim.project_id)
        else:
            value = "1" if f"<int:{name}>" in rule else str(uuid.uuid4())
        path = path.replace(f"<{name}>", value)
        for conv in ("int", "uuid", "string", "path"):
            path = path.replace(f"<{conv}:{name}>", value)
    return path


def test_matrix_covers_the_foundation_routes(app: Flask) -> None:
    rules = {r for r, _, _ in tenant_routes(app)}
    assert "/api/projects/<int:project_id>/" in rules
    assert "/api/organizations/<uuid:organization_id>/members/<uuid:user_id>/" in rules
    assert "/api/organizations/<uuid:organization_id>/activity/" in rules


@pytest.mark.parametrize("principal", ["session", "key"])
def test_every_tenant_route_is_404_for_another_tenant(api: Api, principal: str) -> None:
    victim = api.signup()
    attacker = api.signup()
    who = attacker if principal == "session" else api.create_key(attacker, scopes=["*"])
    failures = []
    for rule, method, args in tenant_routes(api.app):
        path = fill(rule, args, victim)
        resp = api.call(who, method, path, json={})
        if resp.status_code != 404:
            failures.append((method, path, resp.status_code))
    assert failures == []
    # and nothing of the victim changed
    project = api.get(victim, f"/api/projects/{victim.project_id}/")
    assert project.status_code == 200
    assert project.get_json()["name"] == "Default project"
    members = api.get(victim, f"/api/organizations/{victim.organization_id}/members/").get_json()
    assert [m["user_id"] for m in members["results"]] == [victim.user_id]


def test_key_restricted_to_project_a_cannot_touch_project_b(api: Api) -> None:
    acct = api.signup()
    b = api.post(
        acct, f"/api/organizations/{acct.organization_id}/projects/", {"name": "B"}
    ).get_json()
    key = api.create_key(acct, scopes=["*"], scoped_projects=[acct.project_id])
    victim = Account(
        acct.email, acct.user_id, acct.organization_id, b["id"], acct.csrf, acct.client
    )
    failures = []
    for rule, method, args in tenant_routes(api.app):
        if "project_id" not in args:
            continue
        resp = api.call(key, method, fill(rule, args, victim), json={})
        if resp.status_code != 404:
            failures.append((method, rule, resp.status_code))
    assert failures == []
    assert api.get(acct, f"/api/projects/{b['id']}/").get_json()["name"] == "B"


def test_nonexistent_and_foreign_ids_look_the_same(api: Api) -> None:
    a = api.signup()
    b = api.signup()
    foreign = api.get(b, f"/api/projects/{a.project_id}/")
    missing = api.get(b, "/api/projects/987654/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()
    bad_uuid = api.get(b, "/api/organizations/not-a-uuid/")
    assert bad_uuid.status_code == 404
