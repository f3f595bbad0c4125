"""Queue names. Work is separated by kind so a slow insight never delays ingestion."""

from __future__ import annotations

INGESTION = "ingestion"
INSIGHTS = "insights"
BILLING = "billing"
DEFAULT = "default"
ALL_QUEUES: tuple[str, ...] = (INGESTION, INSIGHTS, BILLING, DEFAULT)
