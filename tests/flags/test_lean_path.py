"""The lean /flags and /decide path answers exactly as the Flask views do, without Flask.

Each request is sent twice through the test client: as the SDKs send it (the lean path,
`app.feature_flags.lean`) and with a session cookie that is not a valid session, which
makes the lean path hand it to Flask while Flask treats the caller as anonymous too. Both
answers must be the same byte for byte (status, headers, body), apart from the per-answer
`requestId` and `evaluatedAt`.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request, request_started
from werkzeug.test import TestResponse

from tests.flags.conftest import create_flag, project_token
from tests.helpers import Account, Api


@pytest.fixture
def dispatched(app: Flask) -> Iterator[list[str]]:
    """Paths of the requests that went through Flask's request dispatch."""
    seen: list[str] = []

    def record(_sender: Any, **_extra: Any) -> None:
        seen.append(request.path)

    request_started.connect(record, app)
    yield seen
    request_started.disconnect(record, app)


def _setup(api: Api, grant_growth: Callable[[Account], None]) -> str:
    acct = api.signup()
    grant_growth(acct)  # multivariate flags
    create_flag(
        api,
        acct,
        key="on",
        name="On flag",
        filters={"groups": [{"rollout_percentage": 100}], "payloads": {"true": '{"a": 1}'}},
    )
    create_flag(
        api,
        acct,
        key="acme",
        filters={
            "groups": [
                {
                    "properties": [
                        {"key": "email", "operator": "icontains", "value": "acme", "type": "person"}
                    ],
                    "rollout_percentage": 50,
                }
            ]
        },
    )
    create_flag(
        api,
        acct,
        key="ab",
        filters={
            "groups": [{"rollout_percentage": 100}],
            "multivariate": {
                "variants": [
                    {"key": "a", "rollout_percentage": 50},
                    {"key": "b", "rollout_percentage": 50},
                ]
            },
        },
    )
    return project_token(api, acct)


def _comparable(resp: TestResponse) -> tuple[int, list[tuple[str, str]], Any]:
    body: Any = resp.get_data()
    try:
        body = json.loads(body)
    except ValueError:
        return resp.status_code, list(resp.headers.items()), body
    if isinstance(body, dict):
        body.pop("requestId", None)
        body.pop("evaluatedAt", None)
    return resp.status_code, list(resp.headers.items()), body


def _both(
    app: Flask, dispatched: list[str], path: str, data: bytes, headers: dict[str, str]
) -> tuple[Any, Any]:
    client = app.test_client()
    before = len(dispatched)
    lean = client.post(path, data=data, headers=headers)
    assert len(dispatched) == before, f"{path} went through Flask"
    flask_client = app.test_client()
    flask_client.set_cookie("burrow_session", "not-a-signed-session")
    flask = flask_client.post(path, data=data, headers=headers)
    assert len(dispatched) == before + 1, f"{path} with a cookie did not go through Flask"
    return _comparable(lean), _comparable(flask)


def test_lean_answers_equal_the_flask_views(
    api: Api, app: Flask, dispatched: list[str], grant_growth: Any
) -> None:
    token = _setup(api, grant_growth)
    person = {"email": "u@acme.com"}
    raw = json.dumps({"token": token, "distinct_id": "u1", "person_properties": person}).encode()
    json_type = {"Content-Type": "application/json"}
    cases: list[tuple[str, bytes, dict[str, str]]] = [
        (path, raw, json_type)
        for path in (
            "/flags/?v=2",
            "/flags?v=2",
            "/flags/?v=1",
            "/flags/",
            "/flags/?v=2&config=true",
            "/flags/?v=abc",
            "/decide/",
            "/decide?v=2",
            "/decide/?v=3",
            "/decide/?v=4",
        )
    ]
    cases += [
        ("/flags/?v=2", gzip.compress(raw), {"Content-Encoding": "gzip"}),
        ("/flags/?v=2&compression=base64", b"data=" + base64.b64encode(raw), {}),
        ("/flags/?v=2", raw, {**json_type, "X-Request-ID": "trace-1"}),
        ("/flags/?v=2", raw, {**json_type, "Origin": "https://shop.example"}),
        (
            "/flags/?v=2",
            raw,
            {
                **json_type,
                "Origin": "https://shop.example",
                "Access-Control-Request-Headers": "content-type",
                "X-Request-ID": "trace-2",
            },
        ),
    ]
    for extra in ({"disable_flags": True}, {"flag_keys_to_evaluate": ["on"]}):
        body = json.dumps({"token": token, "distinct_id": "u1", **extra}).encode()
        cases.append(("/flags/?v=2", body, json_type))
    for path, data, headers in cases:
        headers = {"X-Request-ID": "fixed", **headers}
        lean, flask = _both(app, dispatched, path, data, headers)
        assert lean[0] == 200, (path, lean)
        assert lean == flask, (path, headers)


def test_lean_errors_equal_the_flask_views(
    api: Api, app: Flask, dispatched: list[str], grant_growth: Any
) -> None:
    token = _setup(api, grant_growth)
    cases: list[tuple[bytes, dict[str, str]]] = [
        (b"", {}),  # no token
        (json.dumps({"distinct_id": "u1"}).encode(), {}),
        (json.dumps({"token": "phc_nope", "distinct_id": "u1"}).encode(), {}),
        (json.dumps({"token": token}).encode(), {}),  # no distinct_id
        (b"{not json", {"Content-Type": "application/json"}),
        (b"[1, 2]", {"Content-Type": "application/json"}),
        (b"\x1f\x8bnot gzip", {}),
        (b"{}", {"Origin": "https://shop.example"}),
    ]
    for data, headers in cases:
        headers = {"X-Request-ID": "fixed", **headers}
        lean, flask = _both(app, dispatched, "/flags/?v=2", data, headers)
        assert lean[0] in (400, 401), (data, lean)
        assert set(lean[2]) >= {"type", "code", "detail", "attr"}
        assert lean == flask, (data, headers)


def test_other_requests_still_go_through_flask(
    api: Api, app: Flask, dispatched: list[str], grant_growth: Any
) -> None:
    token = _setup(api, grant_growth)
    dispatched.clear()
    body = {"token": token, "distinct_id": "u1"}
    client = app.test_client()
    assert client.get("/flags/").status_code == 200
    assert client.options("/flags/", headers={"Origin": "https://x"}).status_code == 200
    # A bearer key is authenticated by Flask (an unknown one is refused there).
    refused = client.post("/flags/?v=2", json=body, headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert client.post("/api/signup/", json={}).status_code == 400
    assert dispatched == ["/flags/", "/flags/", "/flags/", "/api/signup/"]
    assert client.post("/flags/?v=2", json=body).status_code == 200
    assert client.post("/decide/?v=3", json=body).status_code == 200
    assert len(dispatched) == 4


def test_unknown_distinct_ids_and_stored_persons_match_the_live_server(
    api: Api, app: Flask, live_url: str, dispatched: list[str], grant_growth: Any
) -> None:
    """Over real HTTP (the SDK tests' server), answers come from the lean path as well."""
    import http.client
    from urllib.parse import urlsplit

    token = _setup(api, grant_growth)
    dispatched.clear()
    host = urlsplit(live_url)
    conn = http.client.HTTPConnection(host.hostname or "", host.port, timeout=10)
    conn.request(
        "POST",
        "/flags/?v=2",
        json.dumps({"token": token, "distinct_id": "someone"}),
        {"Content-Type": "application/json", "Origin": "https://shop.example"},
    )
    resp = conn.getresponse()
    data = json.loads(resp.read())
    assert resp.status == 200
    assert resp.getheader("Access-Control-Allow-Origin") == "https://shop.example"
    assert resp.getheader("Vary") == "Origin, Cookie"
    assert data["flags"]["on"]["enabled"] is True
    assert data["flags"]["on"]["metadata"]["payload"] == '{"a": 1}'
    assert data["flags"]["ab"]["variant"] in ("a", "b")
    assert dispatched == []
