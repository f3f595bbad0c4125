"""Scheduled telemetry jobs: each report is sent by its own job at its own time."""

from __future__ import annotations

from typing import Any

from app.telemetry import sender


def send_usage_report() -> dict[str, Any]:
    return sender.send_report("usage").as_dict()


def send_entity_report() -> dict[str, Any]:
    return sender.send_report("entity").as_dict()


def send_subscriptions() -> dict[str, Any]:
    return sender.send_report("subscriptions").as_dict()
