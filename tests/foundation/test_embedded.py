"""The embedded default: SQLite file, no Redis, jobs inline — migrate, seed, sign up, use a key."""

import subprocess
import sys

from flask import Flask

from app import create_app
from tests.helpers import Api
from workers.enqueue import enqueue


def test_embedded_default_end_to_end(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'burrow.db'}"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    app: Flask = create_app(
        {
            "DATABASE_URL": url,
            "REDIS_URL": "",
            "MAIL_BACKEND": "memory",
            "SECRET_KEY": "embedded-test-secret-0123456789abcdef",
            "SESSION_COOKIE_SECURE": False,
            "TESTING": True,
        }
    )
    api = Api(app)
    owner = api.signup("first@example.com")
    assert api.get(owner, "/api/users/@me/").get_json()["is_staff"] is True
    second = api.post(owner, "/api/organizations/", {"name": "Second"})
    assert second.status_code == 201
    member = api.invite_and_join(owner)
    assert api.get(member, f"/api/organizations/{owner.organization_id}/").status_code == 200
    key = api.create_key(owner, scopes=["project:read"])
    assert api.get(key, f"/api/projects/{owner.project_id}/").status_code == 200
    stranger = api.signup("stranger@example.com")
    assert api.get(stranger, f"/api/projects/{owner.project_id}/").status_code == 404
    with app.app_context():
        result = enqueue("tests.foundation.jobs.echo", queue="default", value=41)
    assert result.inline and result.result == 42
    ready = app.test_client().get("/_ready").get_json()
    assert ready["checks"] == {"database": "ok", "redis": "not_configured"}


def test_seeded_demo_login_works(tmp_path) -> None:
    """The login `make run` prints must be accepted by the login endpoint."""
    from app.cli import DEMO_EMAIL, DEMO_PASSWORD

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {
        "DATABASE_URL": url,
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "demo-test-secret-0123456789abcdef",
    }
    for cmd in (
        ["-m", "alembic", "upgrade", "head"],
        ["-m", "flask", "--app", "wsgi", "burrow", "seed-demo"],
    ):
        done = subprocess.run(
            [sys.executable, *cmd], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    assert DEMO_EMAIL in done.stdout and "phc_" in done.stdout
    app = create_app(
        {
            "DATABASE_URL": url,
            "REDIS_URL": "",
            "SECRET_KEY": env["SECRET_KEY"],
            "SESSION_COOKIE_SECURE": False,
            "TESTING": True,
        }
    )
    resp = app.test_client().post(
        "/api/login/", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    assert resp.status_code == 200, resp.get_json()
