"""Test helpers: an API client that carries the CSRF token, and signup shortcuts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


@dataclass
class Account:
    email: str
    user_id: str
    organization_id: str
    project_id: int
    csrf: str
    client: FlaskClient
    extra: dict[str, Any] = field(default_factory=dict)


class Api:
    """Wraps the Flask test client: JSON in, CSRF header on writes, bearer keys on demand."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def new_client(self) -> FlaskClient:
        return self.app.test_client()

    def signup(self, email: str | None = None, **body: Any) -> Account:
        email = email or f"user{next(_counter)}@example.com"
        client = self.new_client()
        payload = {
            "email": email,
            "password": PASSWORD,
            "first_name": "Test",
            "organization_name": f"Org of {email}",
            **body,
        }
        resp = client.post("/api/signup/", json=payload)
        assert resp.status_code == 201, resp.get_json()
        data = resp.get_json()
        return Account(
            email=email,
            user_id=data["id"],
            organization_id=data["organization"]["id"],
            project_id=data["project"]["id"] if data.get("project") else 0,
            csrf=data["csrf_token"],
            client=client,
        )

    def call(
        self, who: Account | str | None, method: str, path: str, json: Any = None, **kwargs: Any
    ) -> TestResponse:
        """`who`: an Account (session cookie + CSRF), a bearer key string, or None."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if isinstance(who, Account):
            client = who.client
            headers.setdefault("X-CSRFToken", who.csrf)
        else:
            client = self.new_client()
            if isinstance(who, str):
                headers["Authorization"] = f"Bearer {who}"
        return client.open(path, method=method.upper(), json=json, headers=headers, **kwargs)

    def get(self, who: Any, path: str, **kw: Any) -> TestResponse:
        return self.call(who, "GET", path, **kw)

    def post(self, who: Any, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.call(who, "POST", path, json=json, **kw)

    def patch(self, who: Any, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.call(who, "PATCH", path, json=json, **kw)

    def delete(self, who: Any, path: str, **kw: Any) -> TestResponse:
        return self.call(who, "DELETE", path, **kw)

    def create_key(self, who: Account, **body: Any) -> str:
        resp = self.post(who, "/api/personal_api_keys/", {"label": "test", **body})
        assert resp.status_code == 201, resp.get_json()
        value: str = resp.get_json()["value"]
        return value

    def invite_and_join(self, owner: Account, level: int = 1, email: str | None = None) -> Account:
        """A new user who joins owner's organization through an invite (token read from mail)."""
        email = email or f"member{next(_counter)}@example.com"
        resp = self.post(
            owner,
            f"/api/organizations/{owner.organization_id}/invites/",
            {"target_email": email, "level": level},
        )
        assert resp.status_code == 201, resp.get_json()
        token = last_invite_token(self.app, email)
        client = self.new_client()
        resp = client.post(
            "/api/signup/",
            json={
                "email": email,
                "password": PASSWORD,
                "first_name": "Member",
                "invite_token": token,
            },
        )
        assert resp.status_code == 201, resp.get_json()
        data = resp.get_json()
        return Account(
            email=email,
            user_id=data["id"],
            organization_id=owner.organization_id,
            project_id=owner.project_id,
            csrf=data["csrf_token"],
            client=client,
        )


def last_mail(app: Flask, to: str) -> str:
    box = [m for m in app.extensions["mail_outbox"] if m.to == to]
    assert box, f"no mail to {to}"
    return str(box[-1].body)


def last_invite_token(app: Flask, to: str) -> str:
    body = last_mail(app, to)
    return body.split("invite=", 1)[1].split()[0]


def error(resp: TestResponse) -> dict[str, Any]:
    """Assert the one error shape and return it."""
    body = resp.get_json()
    assert set(body) >= {"type", "code", "detail", "attr"}, body
    return dict(body)
