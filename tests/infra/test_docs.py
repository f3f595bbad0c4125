"""The runbook covers every alarm and every operation the issue asks for."""

from __future__ import annotations

import re

from tests.infra import hcl

DOCS = hcl.REPO / "docs"


def _anchors(markdown: str) -> set[str]:
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    headings = re.findall(r"^#{1,6} (.+)$", prose, flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-") for h in headings}


def test_every_alarm_links_to_an_existing_runbook_section() -> None:
    anchors = _anchors((DOCS / "operations.md").read_text())
    alarms = hcl.resources("aws_cloudwatch_metric_alarm")
    assert alarms
    for alarm in alarms:
        link = re.search(r"docs/operations\.md#([a-z0-9-]+)", alarm.body["alarm_description"])
        assert link, f"{alarm.where} has no runbook link"
        assert link.group(1) in anchors, f"{alarm.where} links to a missing section"


def test_runbook_covers_the_required_operations() -> None:
    anchors = _anchors((DOCS / "operations.md").read_text())
    assert {
        "deploy",
        "roll-back",
        "run-a-migration",
        "scale-a-service",
        "drain-a-worker",
        "restore-postgres-to-a-point-in-time",
        "redis-durability",
        "rotate-secrets-without-downtime",
        "stripe-webhook-secret",
        "saml-sp-key",
        "session-secret-secretkey",
        "redis-auth-token",
    } <= anchors
    assert "expand" in (DOCS / "migrations.md").read_text().lower()
