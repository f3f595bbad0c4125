"""Cohort changes through the API invalidate the local-evaluation definitions (new ETag)."""

from __future__ import annotations

from tests.flags.conftest import create_flag, project_token
from tests.helpers import Api

DEFS = "/flags/definitions?token={}&send_cohorts"
FILTERS = {
    "properties": {
        "type": "OR",
        "values": [{"type": "AND", "values": [{"key": "plan", "value": "pro", "type": "person"}]}],
    }
}


def test_cohort_create_and_edit_change_the_definitions(api: Api) -> None:
    acct = api.signup()
    create_flag(api, acct, key="a", filters={"groups": [{"rollout_percentage": 50}]})
    token, key = project_token(api, acct), api.create_key(acct, scopes=["feature_flag:read"])
    etag = api.get(key, DEFS.format(token)).headers["ETag"]
    url = f"/api/projects/{acct.project_id}/cohorts/"
    cohort = api.post(acct, url, {"name": "Pro", "filters": FILTERS})
    assert cohort.status_code == 201, cohort.get_json()
    create_flag(
        api,
        acct,
        key="b",
        filters={
            "groups": [
                {
                    "properties": [
                        {"key": "id", "type": "cohort", "value": cohort.get_json()["id"]}
                    ],
                    "rollout_percentage": 100,
                }
            ]
        },
    )
    after_create = api.get(key, DEFS.format(token), headers={"If-None-Match": etag})
    assert after_create.status_code == 200
    assert str(cohort.get_json()["id"]) in after_create.get_json()["cohorts"]
    etag2 = after_create.headers["ETag"]
    edited = {
        "properties": {
            "type": "OR",
            "values": [
                {"type": "AND", "values": [{"key": "plan", "value": "team", "type": "person"}]}
            ],
        }
    }
    resp = api.patch(acct, f"{url}{cohort.get_json()['id']}/", {"filters": edited})
    assert resp.status_code == 200, resp.get_json()
    after_edit = api.get(key, DEFS.format(token), headers={"If-None-Match": etag2})
    assert after_edit.status_code == 200
    assert "team" in str(after_edit.get_json()["cohorts"])
