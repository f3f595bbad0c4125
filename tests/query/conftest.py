"""Module-scoped app for insight tests: datasets are built once per module (one project
each) instead of per test, which keeps this directory well inside its time budget."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from redis import Redis

from tests.conftest import _truncate, make_app
from tests.helpers import Api


@pytest.fixture(scope="module")
def qapp(database_url: str, redis_url: str) -> Iterator[Flask]:
    app = make_app(database_url, redis_url)
    yield app
    _truncate(app)
    app.extensions["db"].engine.dispose()
    Redis.from_url(redis_url).flushdb()


@pytest.fixture(scope="module")
def qapi(qapp: Flask) -> Api:
    return Api(qapp)
