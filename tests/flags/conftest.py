"""Flags test fixtures: a Growth edition via the real resolver hook, and a live HTTP server."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from app.entitlements import Edition, EditionGrant, register_edition_resolver
from tests.helpers import Account, Api


@pytest.fixture
def grant_growth(app: Flask) -> Callable[[Account], None]:
    """Give an account's organization the Growth edition through the pluggable resolver."""
    granted: set[uuid.UUID] = set()

    def resolver(org_id: uuid.UUID) -> EditionGrant | None:
        return EditionGrant(Edition.GROWTH, "license", {}) if org_id in granted else None

    with app.app_context():
        register_edition_resolver(resolver)

    def grant(account: Account) -> None:
        granted.add(uuid.UUID(account.organization_id))

    return grant


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def create_flag(api: Api, acct: Account, **body: Any) -> dict[str, Any]:
    resp = api.post(acct, f"/api/projects/{acct.project_id}/feature_flags/", body)
    assert resp.status_code == 201, resp.get_json()
    data: dict[str, Any] = resp.get_json()
    return data


def project_token(api: Api, acct: Account) -> str:
    token: str = api.get(acct, f"/api/projects/{acct.project_id}/").get_json()["api_token"]
    return token
