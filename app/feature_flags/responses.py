"""Response shapes for /flags and /decide (protocol.md 3.3)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from app.feature_flags.evaluate import FlagResult, payload_for

CONFIG_FIELDS: dict[str, Any] = {
    "supportedCompression": ["gzip", "gzip-js"],
    "config": {"enable_collect_everything": True},
    "toolbarParams": {},
    "isAuthenticated": False,
    "sessionRecording": False,
    "capturePerformance": False,
    "autocapture_opt_out": False,
    "autocaptureExceptions": False,
    "analytics": {"endpoint": "/i/v0/e/"},
    "elementsChainAsString": True,
    "surveys": False,
    "heatmaps": False,
    "siteApps": [],
    "defaultIdentifiedOnly": True,
}


def _v2_entry(flag: dict[str, Any], result: FlagResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": result.key,
        "enabled": result.enabled,
        "variant": result.variant if result.enabled else None,
        "reason": {
            "code": result.reason,
            "condition_index": result.condition_index,
            "description": result.description(),
        },
        "metadata": {
            "id": flag["id"],
            "version": flag["version"],
            "description": flag.get("name") or None,
            "payload": payload_for(flag, result),
            "has_experiment": False,
        },
    }
    if result.failed:
        entry["failed"] = True
    return entry


EntryCache = dict[tuple[Any, ...], dict[str, Any]]


def _v2_entries(
    flags: dict[str, dict[str, Any]], results: list[FlagResult], cache: EntryCache | None
) -> dict[str, dict[str, Any]]:
    """The v2 `flags` map. With a cache (one per definitions bundle, so per flag version),
    an entry is built once per flag and outcome and shared by the answers that need it:
    they are only encoded, never changed."""
    if cache is None:
        return {r.key: _v2_entry(flags[r.key], r) for r in results}
    out = {}
    for r in results:
        outcome = (r.key, r.enabled, r.variant, r.reason, r.condition_index, r.failed)
        entry = cache.get(outcome)
        if entry is None:
            entry = cache[outcome] = _v2_entry(flags[r.key], r)
        out[r.key] = entry
    return out


def _legacy(flags: dict[str, dict[str, Any]], results: list[FlagResult]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    payloads: dict[str, Any] = {}
    for result in results:
        values[result.key] = result.value
        payload = payload_for(flags[result.key], result)
        if payload is not None:
            payloads[result.key] = payload
    return {"featureFlags": values, "featureFlagPayloads": payloads}


def _base(errors: bool, has_flags: bool) -> dict[str, Any]:
    return {
        "errorsWhileComputingFlags": errors,
        "requestId": str(uuid.uuid4()),
        "evaluatedAt": int(time.time() * 1000),
        "hasFeatureFlags": has_flags,
    }


def flags_response(
    *,
    flags: dict[str, dict[str, Any]],
    results: list[FlagResult],
    errors: bool,
    version: int | None,
    config: bool,
    cache: EntryCache | None = None,
) -> dict[str, Any]:
    """/flags: v>=2 (or no v) the v2 map; v=1 legacy; config callers also get legacy + config."""
    body = _base(errors, bool(flags))
    if version is None or version >= 2:
        body["flags"] = _v2_entries(flags, results, cache)
    if version == 1 or config or version is None:
        body.update(_legacy(flags, results))
    if config or version is None:
        body.update(CONFIG_FIELDS)
    return body


def decide_response(
    *,
    flags: dict[str, dict[str, Any]],
    results: list[FlagResult],
    errors: bool,
    version: int,
    cache: EntryCache | None = None,
) -> dict[str, Any]:
    """/decide: v1 a list of active keys, v2 active flags only, v3 legacy, v4+ v2 shape."""
    body = {**_base(errors, bool(flags)), **CONFIG_FIELDS}
    if version <= 1:
        body["featureFlags"] = [r.key for r in results if r.enabled]
    elif version == 2:
        body["featureFlags"] = {r.key: r.value for r in results if r.enabled}
    elif version == 3:
        body.update(_legacy(flags, results))
    else:
        body["flags"] = _v2_entries(flags, results, cache)
    return body
