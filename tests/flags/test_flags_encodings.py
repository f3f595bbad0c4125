"""/flags shares the capture decoder: lz64 bodies work, compression bombs are refused."""

from __future__ import annotations

import gzip
import json

from lzstring import LZString

from app.ingestion.decode import MAX_DECOMPRESSED
from tests.flags.conftest import create_flag, project_token
from tests.helpers import Api, error


def test_lz64_body_is_decoded(api: Api) -> None:
    acct = api.signup()
    create_flag(api, acct, key="on", filters={"groups": [{}]})
    body = json.dumps({"token": project_token(api, acct), "distinct_id": "lz"})
    packed = LZString().compressToBase64(body)
    resp = api.new_client().post(
        "/flags/?v=2&compression=lz64",
        data={"data": packed},
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 200, resp.get_data()
    assert resp.get_json()["flags"]["on"]["enabled"] is True


def test_gzip_bomb_is_refused_with_413(api: Api) -> None:
    bomb = gzip.compress(b" " * (MAX_DECOMPRESSED + 1024))
    assert len(bomb) < 1024 * 1024  # small on the wire, huge once inflated
    resp = api.new_client().post("/flags/?v=2", data=bomb, headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 413
    assert error(resp)["code"] == "payload_too_large"
