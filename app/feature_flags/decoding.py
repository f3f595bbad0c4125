"""Decode /flags and /decide bodies the way every SDK sends them (protocol.md 3.2).

The bytes are decoded by the capture decoder (gzip by header, hint or magic bytes with a
decompression cap, form `data=`, base64, lz64), so both endpoints accept the same encodings
and share its protection against compression bombs.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Request
from werkzeug.datastructures import MultiDict

from app.errors import PayloadTooLarge, ValidationError
from app.ingestion.decode import RawRequest, decode_bytes

MAX_BODY = 10 * 1024 * 1024


def _loads(text: bytes) -> Any:
    # NaN and Infinity are tolerated and become null, as PostHog's server does.
    try:
        return json.loads(text, parse_constant=lambda _c: None)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("Could not decode the request body.", code="parse_error") from exc


def decode_body(request: Request) -> dict[str, Any]:
    """The JSON object from a JSON, gzip, lz64 or form/base64 body ({} when empty)."""
    raw = request.get_data(cache=True)
    return decode_raw(
        raw,
        content_type=request.content_type or "",
        content_encoding=request.headers.get("Content-Encoding", ""),
        args=request.args,
    )


def decode_raw(
    raw: bytes, *, content_type: str, content_encoding: str, args: MultiDict[str, str]
) -> dict[str, Any]:
    """`decode_body` for bytes already read (the lean WSGI path); `args` as request.args."""
    if not raw and not args.get("data"):
        return {}
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge("Request body is too large.")
    text = decode_bytes(
        RawRequest(
            body=raw,
            content_type=content_type,
            content_encoding=content_encoding,
            args=args.to_dict(),
        )
    )
    data = _loads(text)
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object.", code="parse_error")
    return data
