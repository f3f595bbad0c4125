"""Decode /flags and /decide bodies the way every SDK sends them (protocol.md 3.2)."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from typing import Any
from urllib.parse import unquote_plus

from flask import Request

from app.errors import ValidationError

MAX_BODY = 10 * 1024 * 1024


def _loads(text: str | bytes) -> Any:
    # NaN and Infinity are tolerated and become null, as PostHog's server does.
    return json.loads(text, parse_constant=lambda _c: None)


def _b64(text: str) -> Any:
    cleaned = unquote_plus(text).replace(" ", "").strip()
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return _loads(base64.b64decode(cleaned, validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("Could not decode the request body.", code="parse_error") from exc


def _gunzip(raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValidationError("Invalid gzip body.", code="parse_error") from exc


def _compression(request: Request) -> str:
    return (request.args.get("compression") or "").lower()


def _form_data(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    for part in text.split("&"):
        if part.startswith("data="):
            return part[5:]
    return text


def decode_body(request: Request) -> dict[str, Any]:
    """The JSON object from a JSON, gzip, or form/base64 body ({} when empty)."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if len(raw) > MAX_BODY:
        raise ValidationError("Request body is too large.", code="payload_too_large")
    gzipped = request.headers.get("Content-Encoding", "").lower() == "gzip"
    if gzipped or _compression(request) in ("gzip", "gzip-js") or raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw)
    content_type = (request.content_type or "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        data = _b64(_form_data(raw))
    else:
        try:
            data = _loads(raw)
        except (ValueError, UnicodeDecodeError):
            data = _b64(raw.decode("utf-8", errors="replace"))
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object.", code="parse_error")
    return data
