"""Every body encoding and envelope of protocol.md 1.2-1.4, through the real queue and worker."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from typing import Any
from urllib.parse import quote

from flask import Flask
from lzstring import LZString

from app.events.models import Event
from tests.ingestion.conftest import Proj, drain, rows


def _event(name: str = "$pageview", **extra: Any) -> dict[str, Any]:
    return {"event": name, "distinct_id": "u1", "uuid": str(uuid.uuid4()), **extra}


def _post(app: Flask, path: str, data: bytes | str, **kw: Any) -> Any:
    return app.test_client().post(path, data=data, **kw)


def _stored(app: Flask, proj: Proj) -> list[Event]:
    drain(app)
    return rows(app, Event, project_id=proj.project_id)


def test_plain_json_batch_envelope(app: Flask, proj: Proj) -> None:
    body = {"api_key": proj.token, "batch": [_event(), _event("signup")], "sent_at": None}
    resp = _post(app, "/batch/", json.dumps(body), content_type="application/json")
    assert resp.status_code == 200 and resp.get_json() == {"status": 1}
    assert sorted(e.event for e in _stored(app, proj)) == ["$pageview", "signup"]


def test_gzip_by_header_by_query_and_by_magic_bytes(app: Flask, proj: Proj) -> None:
    def gz(name: str) -> bytes:
        return gzip.compress(json.dumps({"api_key": proj.token, "batch": [_event(name)]}).encode())

    client = app.test_client()
    r1 = client.post("/batch", data=gz("a"), headers={"Content-Encoding": "gzip"})
    r2 = client.post("/e/?compression=gzip-js&ver=1.130.0", data=gz("b"), content_type="text/plain")
    r3 = client.post("/i/v0/e/", data=gz("c"), content_type="text/plain")
    assert [r.status_code for r in (r1, r2, r3)] == [200, 200, 200]
    assert sorted(e.event for e in _stored(app, proj)) == ["a", "b", "c"]


def test_form_base64_with_plus_turned_into_space(app: Flask, proj: Proj) -> None:
    # '>>>' makes base64 contain '+', which form encoding may deliver as a space.
    event = _event("form", properties={"token": proj.token, "x": ">>>>>>"})
    encoded = base64.b64encode(json.dumps([event]).encode()).decode()
    assert "+" in encoded
    body = "data=" + encoded.replace("+", " ")
    resp = _post(
        app, "/e/?compression=base64", body, content_type="application/x-www-form-urlencoded"
    )
    assert resp.status_code == 200, resp.get_json()
    resp2 = _post(
        app,
        "/track/",
        "data=" + quote(base64.b64encode(json.dumps(_event("quoted", token=proj.token)).encode())),
        content_type="application/x-www-form-urlencoded",
    )
    assert resp2.status_code == 200, resp2.get_json()
    stored = _stored(app, proj)
    assert sorted(e.event for e in stored) == ["form", "quoted"]
    assert [e.properties["x"] for e in stored if e.event == "form"] == [">>>>>>"]


def test_lz64_and_legacy_get_with_data(app: Flask, proj: Proj) -> None:
    lz = LZString().compressToBase64(json.dumps(_event("lz", properties={"token": proj.token})))
    client = app.test_client()
    r1 = client.post(
        "/e/?compression=lz64",
        data="data=" + quote(lz),
        content_type="application/x-www-form-urlencoded",
    )
    legacy = base64.b64encode(json.dumps(_event("get", token=proj.token)).encode()).decode()
    r2 = client.get(f"/capture/?data={quote(legacy)}")
    assert r1.status_code == 200, r1.get_json()
    assert r2.status_code == 200, r2.get_json()
    assert sorted(e.event for e in _stored(app, proj)) == ["get", "lz"]


def test_bare_array_single_event_and_engage(app: Flask, proj: Proj) -> None:
    client = app.test_client()
    arr = [_event("arr", properties={"token": proj.token}), _event("arr2", api_key=proj.token)]
    assert client.post("/e", json=arr).status_code == 200
    assert (
        client.post("/capture", json=_event("single", **{"$token": proj.token})).status_code == 200
    )
    engage = {"$token": proj.token, "$distinct_id": "u9", "$set": {"plan": "pro"}}
    assert client.post("/engage/", json=engage).status_code == 200
    stored = _stored(app, proj)
    assert sorted(e.event for e in stored) == ["$identify", "arr", "arr2", "single"]
    identify = next(e for e in stored if e.event == "$identify")
    assert identify.distinct_id == "u9" and identify.properties["$set"] == {"plan": "pro"}


def test_browser_shape_distinct_id_in_properties_and_numbers_stringified(
    app: Flask, proj: Proj
) -> None:
    events = [
        {"event": "a", "properties": {"distinct_id": "web-1", "token": proj.token}},
        {"event": "b", "distinct_id": 12345, "properties": {"token": proj.token}},
        {"event": "c", "$distinct_id": {"k": 1}, "properties": {"token": proj.token}},
        {"event": "d", "distinct_id": "x" * 300, "properties": {"token": proj.token}},
    ]
    resp = app.test_client().post("/e/", data=gzip.compress(json.dumps(events).encode()))
    assert resp.status_code == 200
    by_name = {e.event: e for e in _stored(app, proj)}
    assert by_name["a"].distinct_id == "web-1"
    assert by_name["b"].distinct_id == "12345"
    assert by_name["c"].distinct_id == '{"k":1}'
    assert by_name["d"].distinct_id == "x" * 200
    assert all(e.uuid.version == 7 for e in by_name.values())  # server-assigned UUIDv7


def test_cors_preflight_and_headers(app: Flask, proj: Proj) -> None:
    client = app.test_client()
    pre = client.options(
        "/i/v0/e/",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Headers": "x-custom"},
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert pre.headers["Access-Control-Allow-Credentials"] == "true"
    assert pre.headers["Access-Control-Allow-Headers"] == "x-custom"
    resp = client.post(
        "/e/", json=[_event(token=proj.token)], headers={"Origin": "https://shop.example"}
    )
    assert resp.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    bad = client.post("/e/", data=b"{", headers={"Origin": "https://shop.example"})
    assert bad.status_code == 400
    assert bad.headers["Access-Control-Allow-Origin"] == "https://shop.example"


def test_remote_config(app: Flask, proj: Proj) -> None:
    client = app.test_client()
    resp = client.get(f"/array/{proj.token}/config")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["supportedCompression"] == ["gzip", "gzip-js", "base64"]
    assert body["analytics"]["endpoint"] == "/i/v0/e/" and body["sessionRecording"] is False
    js = client.get(f"/array/{proj.token}/config.js")
    assert js.status_code == 200 and js.mimetype == "application/javascript"
    assert proj.token in js.get_data(as_text=True)
    missing = client.get("/array/phc_nope/config")
    assert missing.status_code == 404 and missing.get_json()["type"] == "not_found"
    assert client.get("/s/").status_code == 404
