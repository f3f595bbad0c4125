"""Run in a subprocess by test_offline.py: the embedded default with every non-loopback
connection refused by an audit hook. Prints one JSON line with what happened."""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
from typing import Any


class OutboundBlocked(OSError):
    pass


def _loopback(host: Any) -> bool:
    if host in ("localhost", "", None) or isinstance(host, bytes | int):
        return host in ("localhost", "", None)
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise OutboundBlocked(f"outbound connection to {address!r} blocked")
    elif event == "socket.getaddrinfo" and not _loopback(args[0]):
        raise OutboundBlocked(f"name lookup of {args[0]!r} blocked")


def guard_works() -> bool:
    try:
        socket.create_connection(("203.0.113.10", 443), timeout=2)
    except OutboundBlocked:
        return True
    return False


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config("alembic.ini")
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "heads")


def flow() -> dict[str, Any]:
    from app import create_app
    from workers.enqueue import enqueue

    app = create_app()
    client = app.test_client()
    out: dict[str, Any] = {}
    resp = client.post(
        "/api/signup/",
        json={
            "email": "me@selfhosted.example.com",
            "password": "a-long-local-password-1",
            "first_name": "Me",
            "organization_name": "Home lab",
        },
    )
    out["signup"] = resp.status_code
    me = resp.get_json()
    out["is_staff"] = me.get("is_staff")
    project_id = me["project"]["id"]
    token = client.get(f"/api/projects/{project_id}/").get_json()["api_token"]
    batch = [{"event": "offline_event", "distinct_id": f"u{i}"} for i in range(5)]
    out["capture"] = client.post("/batch/", json={"api_key": token, "batch": batch}).status_code
    headers = {"X-CSRFToken": me["csrf_token"]}
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "offline_event"}],
        "dateRange": {"date_from": "-7d"},
    }
    resp = client.post(f"/api/projects/{project_id}/query/", json={"query": query}, headers=headers)
    out["insight"] = resp.status_code
    body = resp.get_json() or {}
    out["insight_total"] = sum(r.get("count", 0) for r in body.get("results", []) or [])
    # With no Redis the telemetry job runs inline: blocked, it must fail quietly.
    with app.app_context():
        job = enqueue("workers.jobs.telemetry.send_usage_report", queue="default")
    out["telemetry_job"] = job.result
    out["preview"] = client.get("/api/instance/telemetry/preview/").status_code
    return out


if __name__ == "__main__":
    sys.addaudithook(_hook)
    result: dict[str, Any] = {"guard_blocks_outbound": guard_works()}
    migrate()
    result.update(flow())
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
