"""Access-control fixtures: editions through the real resolver hook, and a populated organization."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from app.entitlements import Edition, EditionGrant, register_edition_resolver
from tests.helpers import Account, Api

_keys = itertools.count(1)


def install_editions(app: Flask) -> dict[uuid.UUID, Edition]:
    """organization id -> edition; delete an entry to downgrade that organization to Free."""
    granted: dict[uuid.UUID, Edition] = {}

    def resolver(org_id: uuid.UUID) -> EditionGrant | None:
        edition = granted.get(org_id)
        return EditionGrant(edition, "license", {}) if edition is not None else None

    with app.app_context():
        register_edition_resolver(resolver)
    return granted


@pytest.fixture
def editions(app: Flask) -> dict[uuid.UUID, Edition]:
    return install_editions(app)


@pytest.fixture
def make_ultimate(editions: dict[uuid.UUID, Edition]) -> Callable[[Account], None]:
    def grant(account: Account) -> None:
        editions[uuid.UUID(account.organization_id)] = Edition.ULTIMATE

    return grant


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, (resp.status_code, resp.get_json())
    return resp.get_json()


def create_project(api: Api, owner: Account, name: str) -> int:
    body = ok(api.post(owner, f"/api/organizations/{owner.organization_id}/projects/",
                       {"name": name}), 201)  # fmt: skip
    return int(body["id"])


def create_flag(api: Api, who: Any, project_id: int) -> int:
    body = {"key": f"flag-{next(_keys)}", "name": "f"}
    return int(ok(api.post(who, f"/api/projects/{project_id}/feature_flags/", body), 201)["id"])


def restrict(api: Api, owner: Account, project_id: int, restricted: bool = True) -> Any:
    return api.patch(
        owner, f"/api/projects/{project_id}/access/", {"access_restricted": restricted}
    )


def grant(api: Api, owner: Account, project_id: int, **body: Any) -> Any:
    return api.post(owner, f"/api/projects/{project_id}/access/grants/", body)


def create_role(api: Api, owner: Account, name: str, **body: Any) -> Any:
    org = owner.organization_id
    return api.post(owner, f"/api/organizations/{org}/roles/", {"name": name, **body})


def service_account_key(
    api: Api, owner: Account, *, project_ids: list[int] | None = None, **key: Any
) -> tuple[str, str]:
    """(service account id, raw key) for a new service account."""
    base = f"/api/organizations/{owner.organization_id}/service_accounts/"
    sa = ok(api.post(owner, base, {"name": f"ci-{next(_keys)}", "project_ids": project_ids}), 201)
    body = {"label": "k", "scopes": ["*"], **key}
    raw = ok(api.post(owner, f"{base}{sa['id']}/keys/", body), 201)["value"]
    return sa["id"], raw


@dataclass
class World:
    owner: Account
    open_project: int
    locked_project: int
    principals: dict[str, Any] = field(default_factory=dict)
    flags: dict[int, int] = field(default_factory=dict)  # project id -> a flag in it


# Which principals see which project (by the roles the World gives them).
SEES_OPEN = {"owner", "admin", "member_with_grant", "member_without_grant", "role_member",
             "service_account", "key_other_project"}  # fmt: skip
SEES_LOCKED = {"owner", "admin", "member_with_grant", "role_member", "service_account_granted"}
PRINCIPALS = sorted(SEES_OPEN | SEES_LOCKED)


@pytest.fixture
def world(api: Api, editions: dict[uuid.UUID, Edition]) -> World:
    return build_world(api, editions)


def build_world(api: Api, editions: dict[uuid.UUID, Edition]) -> World:
    """An Ultimate organization with an open and a restricted project and one of each principal."""
    owner = api.signup()
    editions[uuid.UUID(owner.organization_id)] = Edition.ULTIMATE
    locked = create_project(api, owner, "Locked")
    w = World(owner, owner.project_id, locked)
    w.flags = {p: create_flag(api, owner, p) for p in (w.open_project, locked)}
    ok(restrict(api, owner, locked))
    member = api.invite_and_join(owner, 1)
    ok(grant(api, owner, locked, user_id=member.user_id, level="member"), 201)
    in_role = api.invite_and_join(owner, 1)
    role = ok(create_role(api, owner, "Analysts"), 201)
    org = owner.organization_id
    ok(api.post(owner, f"/api/organizations/{org}/roles/{role['id']}/members/",
                {"user_id": in_role.user_id}), 201)  # fmt: skip
    ok(grant(api, owner, locked, role_id=role["id"], level="member"), 201)
    w.principals = {
        "owner": owner,
        "admin": api.invite_and_join(owner, 8),
        "member_with_grant": member,
        "member_without_grant": api.invite_and_join(owner, 1),
        "role_member": in_role,
        "service_account": service_account_key(api, owner)[1],
        "service_account_granted": service_account_key(api, owner, project_ids=[locked])[1],
        "key_other_project": api.create_key(
            owner, scopes=["*"], scoped_projects=[owner.project_id]
        ),
    }
    return w
