"""Envelope and per-event normalization of capture payloads (protocol.md 1.3-1.4)."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.errors import AuthenticationError, ValidationError

MAX_DISTINCT_ID = 200
TOKEN_KEYS = ("token", "$token", "api_key")
MIN_SENT_AT_MS = datetime(2021, 1, 1, tzinfo=UTC).timestamp() * 1000


@dataclass
class Envelope:
    token: str
    events: list[dict[str, Any]]
    sent_at: str | None = None
    historical: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def uuid7() -> uuid.UUID:
    """A time-ordered UUIDv7 (48-bit ms timestamp, version 7, random tail)."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | (0x7 << 76) | (rand & ((1 << 76) - 1))
    value = (value & ~(0xC << 60)) | (0x8 << 60)  # RFC 4122 variant bits
    return uuid.UUID(int=value)


def _event_token(event: dict[str, Any]) -> str | None:
    for key in TOKEN_KEYS:
        if isinstance(event.get(key), str) and event[key]:
            return str(event[key])
    props = event.get("properties")
    if isinstance(props, dict) and isinstance(props.get("token"), str) and props["token"]:
        return str(props["token"])
    return None


def check_token_shape(token: str) -> str:
    """Trimmed token, or 401: empty, too long, non-ASCII, NUL or a personal key."""
    token = token.strip()
    if not token:
        raise AuthenticationError("No project API key was provided.", code="no_token")
    if len(token) > 64 or not token.isascii() or "\x00" in token or token.startswith("phx_"):
        raise AuthenticationError(
            "Project API key invalid. You can find your project API key in project settings.",
            code="invalid_token",
        )
    return token


def _find_token(envelope_token: Any, events: list[dict[str, Any]]) -> str:
    if isinstance(envelope_token, str) and envelope_token.strip():
        return check_token_shape(envelope_token)
    tokens = {t for t in (_event_token(e) for e in events) if t}
    if not tokens:
        raise AuthenticationError("No project API key was provided.", code="no_token")
    if len(tokens) > 1:
        raise ValidationError("The batch mixes project API keys.", code="multiple_tokens")
    return check_token_shape(tokens.pop())


def _split(data: Any) -> tuple[list[Any], dict[str, Any]]:
    if isinstance(data, dict) and "batch" in data:
        batch = data["batch"]
        if not isinstance(batch, list):
            raise ValidationError("'batch' must be a list of events.", code="invalid_payload")
        return batch, data
    if isinstance(data, list):
        return data, {}
    if isinstance(data, dict):
        return [data], data
    raise ValidationError(
        "The payload must be an event, a list or a batch.", code="invalid_payload"
    )


def sent_at_from_query(args: dict[str, str]) -> str | None:
    """The legacy `_`/`sent_at` query value (epoch ms) as ISO, ignoring pre-2021 values."""
    raw = args.get("_") or args.get("sent_at")
    if not raw:
        return None
    try:
        ms = float(raw)
    except ValueError:
        return None
    if ms < MIN_SENT_AT_MS:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def parse_envelope(data: Any, *, engage: bool, args: dict[str, str]) -> Envelope:
    """Split the payload into token, events and send time; 400/401 on malformed input."""
    raw_events, env = _split(data)
    if not raw_events:
        raise ValidationError("The batch is empty.", code="invalid_payload")
    if not all(isinstance(e, dict) for e in raw_events):
        raise ValidationError("Every event must be a JSON object.", code="invalid_payload")
    token = _find_token(env.get("api_key") or env.get("token"), raw_events)
    events = [normalize_event(e, engage=engage) for e in raw_events]
    sent_at = env.get("sent_at") if isinstance(env.get("sent_at"), str) else None
    return Envelope(
        token=token,
        events=events,
        sent_at=sent_at or sent_at_from_query(args),
        historical=bool(env.get("historical_migration")),
    )


def _stringify(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _distinct_id(event: dict[str, Any], props: dict[str, Any]) -> str:
    for value in (event.get("distinct_id"), event.get("$distinct_id"), props.get("distinct_id")):
        text = _stringify(value)
        if text is not None:
            return text[:MAX_DISTINCT_ID]
    raise ValidationError("Every event needs a distinct_id.", code="missing_distinct_id")


def _uuid(value: Any) -> str:
    if value is None or value == "":
        return str(uuid7())
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise ValidationError(f"Invalid event uuid {value!r}.", code="invalid_uuid") from exc


def normalize_event(event: dict[str, Any], *, engage: bool) -> dict[str, Any]:
    """The fields the worker needs, validated; everything else stays in properties."""
    name = event.get("event")
    if engage and name in (None, ""):
        name = "$identify"
    if not isinstance(name, str) or not name:
        raise ValidationError("Every event needs a non-empty name.", code="missing_event_name")
    props = event.get("properties")
    props = props if isinstance(props, dict) else {}
    out: dict[str, Any] = {
        "event": name[:400],
        "distinct_id": _distinct_id(event, props),
        "uuid": _uuid(event.get("uuid")),
        "properties": props,
    }
    for key in ("timestamp", "offset", "$set", "$set_once", "$unset"):
        if event.get(key) is not None:
            out[key] = event[key]
    return out
