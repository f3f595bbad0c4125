"""Definitions polling is not subject to the per-key API rate limit; other key use is."""

from __future__ import annotations

from app import access
from tests.flags.conftest import project_token
from tests.helpers import Api

DEFS = "/flags/definitions?token={}&send_cohorts"


def test_polling_definitions_past_the_key_limit_is_not_throttled(api: Api) -> None:
    acct = api.signup()
    token, key = project_token(api, acct), api.create_key(acct, scopes=["feature_flag:read"])
    _start_of_a_fresh_window()
    limit = access.KEY_LIMITS[0][0]
    statuses = {api.get(key, DEFS.format(token)).status_code for _ in range(limit + 5)}
    assert statuses == {200}
    flags = f"/api/projects/{acct.project_id}/feature_flags/"
    codes = [api.get(key, flags).status_code for _ in range(limit + 1)]
    assert codes[-1] == 429 and set(codes[:-1]) == {200}


def _start_of_a_fresh_window() -> None:
    """Limits use fixed one-minute windows: start early in one so the run cannot straddle two."""
    import time

    if time.time() % 60 > 25:
        time.sleep(60 - time.time() % 60 + 0.5)
