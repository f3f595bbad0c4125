"""Running the real SDKs (posthog PyPI in-process, posthog-node as a subprocess)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from posthog import Posthog

SDK_DIR = Path(__file__).resolve().parents[1] / "sdk"


def python_client(host: str, token: str, key: str | None = None) -> Posthog:
    return Posthog(
        token,
        host=host,
        secret_key=key,
        poll_interval=600,
        disable_geoip=True,
        send=False,
        enable_local_evaluation=key is not None,
    )


def node(host: str, token: str, calls: list[dict[str, Any]], **cfg: Any) -> dict[str, Any]:
    """Run tests/sdk/flags_sdk.mjs; returns {results, remoteConfig, errors}."""
    payload = json.dumps({"host": host, "token": token, "calls": calls, **cfg})
    proc = subprocess.run(
        ["node", str(SDK_DIR / "flags_sdk.mjs"), payload],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=SDK_DIR,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out: dict[str, Any] = json.loads(proc.stdout)
    return out
