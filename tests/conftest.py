"""Session-wide real Postgres and Redis; a fresh app per test; tables truncated after each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from redis import Redis
from sqlalchemy import text

from app import create_app
from app.db import Base, get_db
from app.ratelimit import reset_local
from tests import servers
from tests.helpers import Api


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with servers.postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(pg_server: str) -> Iterator[str]:
    """A fresh database migrated with `alembic upgrade head` (the schema under test)."""
    url, name = servers.create_database(pg_server)
    cfg = Config("alembic.ini")
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    yield url
    servers.drop_database(pg_server, name)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with servers.redis_server() as url:
        yield url


def make_app(database_url: str, redis_url: str | None, **overrides: Any) -> Flask:
    config = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url or "",
        "TESTING": True,
        "MAIL_BACKEND": "memory",
        "SESSION_COOKIE_SECURE": False,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "SITE_URL": "http://testserver",
        "TELEMETRY_ENABLED": False,
        **overrides,
    }
    return create_app(config)


def _truncate(app: Flask) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with app.app_context():
        engine = get_db().engine
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()


@pytest.fixture
def app_factory(database_url: str, redis_url: str) -> Iterator[Any]:
    """Build apps with extra settings; all share the test database and are cleaned after."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = make_app(database_url, redis_url, **overrides)
        built.append(app)
        return app

    yield build
    if built:
        _truncate(built[0])
        for app in built:
            app.extensions["db"].engine.dispose()
    Redis.from_url(redis_url).flushdb()
    reset_local()


@pytest.fixture
def app(app_factory: Any) -> Flask:
    flask_app: Flask = app_factory()
    return flask_app


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)
