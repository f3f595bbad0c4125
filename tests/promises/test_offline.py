"""Promise 2: download and run with no account and no network.

A subprocess runs the embedded default (SQLite, no Redis, telemetry on as shipped) with an
audit hook that refuses every non-loopback connection and name lookup, migrates, and serves
signup -> capture -> insight; the scheduled telemetry send fails quietly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_signup_capture_insight_with_outbound_network_blocked(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "TELEM"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'burrow.db'}",
        "SECRET_KEY": "offline-test-secret-key-0123456789abcdef",
        "MAIL_BACKEND": "console",
        "SESSION_COOKIE_SECURE": "false",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests/promises/offline_flow.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    match = re.search(r"^RESULT (.*)$", proc.stdout, re.M)
    assert match, proc.stdout[-3000:] + proc.stderr[-5000:]
    result = json.loads(match.group(1))
    assert result["guard_blocks_outbound"] is True  # the guard does block a real attempt
    assert result["signup"] == 201 and result["is_staff"] is True  # first local user owns it
    assert result["capture"] == 200
    assert result["insight"] == 200 and result["insight_total"] == 5
    assert result["telemetry_job"] == {  # on by default, it ran, was blocked, did not crash
        "report": "usage",
        "sent": False,
        "reason": "endpoint_unreachable",
    }
    assert result["preview"] == 200
    assert "blocked" in proc.stderr  # the sender logged the refused connection


def test_no_code_path_asks_for_an_account_with_us() -> None:
    """Start-up makes no outbound call, and the only outbound URL in the code is telemetry's."""
    urls = set()
    for path in [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("workers").rglob("*.py")]:
        urls |= set(re.findall(r"https?://[a-z0-9.-]*burrow\.dev[^\s\"']*", path.read_text()))
    assert urls == {"https://telemetry.burrow.dev/v1/report"}
    factory = ROOT.joinpath("app/__init__.py").read_text()
    assert "requests" not in factory and "urlopen" not in factory
