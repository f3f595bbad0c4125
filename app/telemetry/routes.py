"""The telemetry preview: exactly what would be sent next, and what was sent last."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.db import utcnow
from app.http import doc
from app.instance.service import require_instance_admin
from app.telemetry import service
from app.telemetry.schemas import PreviewRead, SentRead, TelemetryStateRead

bp = Blueprint("telemetry", __name__)


@bp.get("/api/instance/telemetry/preview/")
@doc(response_model=PreviewRead, tag="instance")
def preview() -> Response:
    """The payloads the next scheduled sends would post (same code path), and the last sent."""
    require_instance_admin()
    now = utcnow()
    last = {report: service.last_sent(report) for report in service.REPORTS}
    body = PreviewRead(
        telemetry=TelemetryStateRead(**service.state().as_dict()),
        next={report: service.build_report(report, now=now) for report in service.REPORTS},
        last_sent={
            report: SentRead(sent_at=row.sent_at, status_code=row.status_code, payload=row.payload)
            if row
            else None
            for report, row in last.items()
        },
    )
    return jsonify(body.model_dump(mode="json"))
