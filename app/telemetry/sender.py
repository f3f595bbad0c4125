"""Sends one report to the telemetry endpoint, from a scheduled job (never from a request).

A failure (endpoint down, slow, non-2xx) is logged and not retried: the next period's
job sends that period's report. Only a successful send is recorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app

from app.db import utcnow
from app.telemetry import service

log = logging.getLogger(__name__)
USER_AGENT = "burrow-telemetry"


@dataclass(frozen=True)
class SendResult:
    report: str
    sent: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"report": self.report, "sent": self.sent, "reason": self.reason}


def send_report(report: str) -> SendResult:
    """Build `report` exactly as the preview shows it and post it, if telemetry allows."""
    if report == "subscriptions":
        return _send_subscriptions()
    current = service.state()
    if not current.enabled:
        return SendResult(report, False, current.reason)
    payload = service.build_report(report, now=utcnow())
    return _post(report, payload, current.endpoint)


def _send_subscriptions() -> SendResult:
    """Mailing opt-ins are the users' own choice: sent only for users who opted in."""
    endpoint = current_app.config["BURROW"].TELEMETRY_ENDPOINT
    payload = service.build_report("subscriptions", now=utcnow())
    if not endpoint:
        return SendResult("subscriptions", False, "no_endpoint")
    if not service.subscriptions_due(payload):
        return SendResult("subscriptions", False, "nobody_opted_in")
    return _post("subscriptions", payload, endpoint)


def _post(report: str, payload: dict[str, Any], endpoint: str) -> SendResult:
    timeout = current_app.config["BURROW"].TELEMETRY_TIMEOUT_SECONDS
    try:
        response = requests.post(
            endpoint, json=payload, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )
    except requests.RequestException as exc:
        log.warning("telemetry %s report not sent (next period retries): %s", report, exc)
        return SendResult(report, False, "endpoint_unreachable")
    if not response.ok:
        log.warning("telemetry %s report refused with HTTP %s", report, response.status_code)
        return SendResult(report, False, f"http_{response.status_code}")
    service.record_sent(report=report, payload=payload, status_code=response.status_code)
    return SendResult(report, True, "sent")
