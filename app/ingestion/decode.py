"""Turn a capture request's raw bytes into JSON, whatever encoding the SDK chose.

Order (protocol.md 1.3): the `data` parameter or the body; optimistic base64; form
`data=`; gzip (hint or magic bytes, under a size cap); lz-string; base64; JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from lzstring import LZString

from app.errors import PayloadTooLarge, ValidationError

MAX_DECOMPRESSED = 50 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_B64 = re.compile(rb"^[A-Za-z0-9+/\-_]+={0,2}$")
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class RawRequest:
    """What decoding needs from an HTTP request (kept free of flask.request)."""

    body: bytes
    content_type: str = ""
    content_encoding: str = ""
    args: dict[str, str] | None = None


def invalid(detail: str) -> ValidationError:
    return ValidationError(detail, code="invalid_payload")


def _looks_base64(data: bytes) -> bool:
    stripped = data.strip()
    return len(stripped) >= 4 and bool(_B64.match(stripped))


def _b64decode(data: bytes) -> bytes:
    cleaned = data.strip().replace(b" ", b"+").replace(b"\n", b"").replace(b"\r", b"")
    cleaned = cleaned.replace(b"-", b"+").replace(b"_", b"/")
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid("The payload is not valid base64.") from exc


def _gunzip(data: bytes) -> bytes:
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decomp.decompress(data, MAX_DECOMPRESSED)
    except zlib.error as exc:
        raise invalid("The payload is not valid gzip.") from exc
    if decomp.unconsumed_tail:
        raise PayloadTooLarge("The decompressed payload is too large.")
    return out


def _lz64(data: bytes) -> bytes:
    try:
        text = LZString().decompressFromBase64(data.decode("ascii").replace(" ", "+"))
    except (UnicodeDecodeError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise invalid("The payload is not valid lz-string.") from exc
    if not text:
        raise invalid("The payload is not valid lz-string.")
    return str(text).encode("utf-8")


def _hint(raw: RawRequest, form: dict[str, str]) -> str:
    hint = form.get("compression") or (raw.args or {}).get("compression") or raw.content_encoding
    return (hint or "").strip().lower()


def _payload(raw: RawRequest) -> tuple[bytes, dict[str, str]]:
    """The bytes to decode and any form fields (form data wins over the raw body)."""
    args = raw.args or {}
    if args.get("data"):
        return args["data"].encode("utf-8"), {}
    body = raw.body
    if raw.content_type.split(";")[0].strip().lower() == FORM_TYPE or body.startswith(b"data="):
        parsed = parse_qs(body.decode("latin-1"), keep_blank_values=True)
        form = {k: v[0] for k, v in parsed.items() if v}
        if form.get("data"):
            # urlencoded '+' arrives as a space; base64 never contains spaces.
            return form["data"].replace(" ", "+").encode("latin-1"), form
    return body, {}


def decode_bytes(raw: RawRequest) -> bytes:
    """The decoded JSON text of a capture request."""
    data, form = _payload(raw)
    if not data.strip():
        raise invalid("The request has no payload.")
    hint = _hint(raw, form)
    if hint in ("gzip", "gzip-js") or data[:2] == GZIP_MAGIC:
        return _gunzip(data)
    if hint in ("lz64", "lz-string"):
        return _lz64(data)
    if hint in ("base64", "b64") or _looks_base64(data):
        decoded = _b64decode(data)
        return _gunzip(decoded) if decoded[:2] == GZIP_MAGIC else decoded
    return data


def decode_json(raw: RawRequest) -> Any:
    """Decode and parse the payload; 400 invalid_payload when it is not JSON."""
    text = decode_bytes(raw)
    try:
        return json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid("The payload is not valid JSON.") from exc
