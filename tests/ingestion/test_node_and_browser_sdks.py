"""posthog-node and posthog-js (under jsdom) against a live Burrow; drained by a real worker."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from flask import Flask

from app.events.models import Event
from app.persons.models import Group
from tests.ingestion.conftest import LiveServer, Proj, person_of, rows, rq_drain

SDK_DIR = Path(__file__).resolve().parents[1] / "sdk"


def _node(script: str, cfg: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is needed (make test installs it)"
    assert (SDK_DIR / "node_modules" / "posthog-node").exists(), "run npm ci --prefix tests/sdk"
    out = subprocess.run(
        [node, str(SDK_DIR / script), json.dumps(cfg)],
        cwd=SDK_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(out.stdout))


def test_posthog_node(app: Flask, proj: Proj, live: LiveServer) -> None:
    result = _node("ingest_node.mjs", {"host": live.url, "token": proj.token})
    assert result["errors"] == []
    rq_drain(app)
    stored = rows(app, Event, project_id=proj.project_id)
    assert sorted(e.event for e in stored) == [
        "$create_alias",
        "$groupidentify",
        "$identify",
        "node_buy",
        "node_view",
    ]
    user = person_of(app, proj.project_id, "node-user")
    assert user is not None and user.is_identified
    assert user.properties == {"email": "n@example.com", "first": "yes"}
    for did in ("node-anon", "node-alias"):
        assert person_of(app, proj.project_id, did).id == user.id  # type: ignore[union-attr]
    buy = next(e for e in stored if e.event == "node_buy")
    assert buy.group0 == "o1" and buy.person_id == user.uuid
    (group,) = rows(app, Group, project_id=proj.project_id)
    assert group.group_properties == {"seats": 3}


def test_posthog_js_in_jsdom(app: Flask, proj: Proj, live: LiveServer) -> None:
    result = _node("ingest_browser.mjs", {"host": live.url, "token": proj.token})
    assert result["distinctId"] == "browser-user"
    rq_drain(app)
    stored = rows(app, Event, project_id=proj.project_id)
    names = {e.event for e in stored}
    assert {"browser_click", "$identify", "after_identify"} <= names
    click = next(e for e in stored if e.event == "browser_click")
    assert click.properties["$lib"] == "web" and click.properties["button"] == "buy"
    user = person_of(app, proj.project_id, "browser-user")
    assert user is not None and user.properties.get("email") == "b@example.com"
    assert person_of(app, proj.project_id, click.distinct_id).id == user.id  # type: ignore[union-attr]
