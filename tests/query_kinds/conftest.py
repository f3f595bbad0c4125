"""Fixtures for the insight-kind tests: a project filled through tests/query_kinds/data.py."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.query_kinds.data import Data


@pytest.fixture
def data(app: Flask) -> Data:
    return Data(app)


@pytest.fixture
def make_data(app: Flask) -> Any:
    def build(timezone: str = "UTC", week_start_day: int = 0) -> Data:
        return Data(app, timezone, week_start_day)

    return build
