"""The bucketing hash shared bit-for-bit with PostHog's SDKs (protocol.md 5.1)."""

from __future__ import annotations

import hashlib
from typing import Any

LONG_SCALE = float(0xFFFFFFFFFFFFFFF)


def bucket_hash(key: str, bucketing_value: str, salt: str = "", separator: str = ".") -> float:
    """SHA1("<key><sep><value><salt>"), first 15 hex digits, scaled to [0, 1]."""
    text = f"{key}{separator}{bucketing_value}{salt}"
    return bucket_hash_bytes(text.encode("utf-8"))


def bucket_hash_bytes(data: bytes) -> float:
    """`bucket_hash` of an already UTF-8 encoded "<key><sep><value><salt>"."""
    digest = hashlib.sha1(data).digest()  # noqa: S324
    # The first 15 hex digits are the top 60 bits of the first 8 bytes.
    return (int.from_bytes(digest[:8], "big") >> 4) / LONG_SCALE


def in_rollout(flag_key: str, bucketing_value: str, rollout: float | None) -> bool:
    """Pass when the hash is within the rollout; None means 100 %."""
    if rollout is None:
        return True
    return bucket_hash(flag_key, bucketing_value) <= float(rollout) / 100


def variant_for(flag_key: str, bucketing_value: str, variants: list[dict[str, Any]]) -> str | None:
    """The variant whose cumulative interval [min, min + pct) holds the variant hash."""
    value = bucket_hash(flag_key, bucketing_value, salt="variant")
    low = 0.0
    for variant in variants:
        high = low + float(variant.get("rollout_percentage") or 0) / 100
        if low <= value < high:
            return str(variant["key"])
        low = high
    return None


def holdout_variant(holdout: dict[str, Any] | None, bucketing_value: str) -> str | None:
    """`holdout-<id>` when the value falls in the holdout's exclusion band."""
    if not holdout or holdout.get("id") is None or holdout.get("exclusion_percentage") is None:
        return None
    pct = min(max(float(holdout["exclusion_percentage"]), 0.0), 100.0)
    if pct != 100.0 and bucket_hash("holdout", bucketing_value, separator="-") > pct / 100:
        return None
    return f"holdout-{holdout['id']}"
