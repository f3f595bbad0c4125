"""/api/organizations/{id}/audit_log/: browse, filter, export; retention settings (admins)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from flask import Blueprint, Response, g, jsonify, request, stream_with_context

from app.access import require_level
from app.activity import service as activity
from app.audit import export, service
from app.audit.schemas import AuditQuery, AuditSettingsRead, AuditSettingsUpdate, ExportQuery
from app.db import get_session
from app.entitlements import ensure_feature
from app.http import api_scope, doc, paginate, parse
from app.organizations.models import Level
from app.tenancy import set_request_scope

bp = Blueprint("audit", __name__)
BASE = "/api/organizations/<uuid:organization_id>/audit_log/"
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _filter(data: AuditQuery) -> service.AuditFilter:
    fields = data.model_dump(exclude={"format"})
    return service.apply_window(g.organization_id, service.AuditFilter(**fields))


@bp.get(BASE)
@api_scope("audit_log")
@doc(tag="audit_log")
def list_audit_log(organization_id: uuid.UUID) -> Response:
    """Newest first; filter by actor, action, object (scope, item_id), project, time range."""
    require_level(Level.ADMIN)
    flt = _filter(parse(AuditQuery, request.args.to_dict()))
    return jsonify(paginate(service.query(flt), activity.serialize))


@bp.get(BASE + "export/")
@api_scope("audit_log")
@doc(tag="audit_log")
def export_audit_log(organization_id: uuid.UUID) -> Response:
    """Stream the filtered log as CSV (header + rows) or a JSON array (Ultimate)."""
    require_level(Level.ADMIN)
    ensure_feature(g.organization_id, service.FEATURE)
    data = parse(ExportQuery, request.args.to_dict())
    flt, org_id = _filter(data), g.organization_id
    chunks = export.csv_chunks if data.format == "csv" else export.json_chunks

    def generate() -> Iterator[str]:
        set_request_scope(org_id)  # the stream runs after the view returned; keep the tenant
        yield from chunks(service.iter_entries(flt))

    response = Response(stream_with_context(generate()), mimetype=MEDIA[data.format])
    response.headers["Content-Disposition"] = f'attachment; filename="audit_log.{data.format}"'
    return response


def _settings_read() -> AuditSettingsRead:
    return AuditSettingsRead(
        retention_days=service.get_settings().retention_days,
        readable_since=service.free_window_start(g.organization_id),
    )


@bp.get(BASE + "settings/")
@api_scope("audit_log")
@doc(response_model=AuditSettingsRead, tag="audit_log")
def get_audit_settings(organization_id: uuid.UUID) -> Response:
    """Retention (days, null = forever) and how far back this plan may read."""
    require_level(Level.ADMIN)
    read = _settings_read()
    get_session().commit()
    return jsonify(read.model_dump(mode="json"))


@bp.patch(BASE + "settings/")
@api_scope("audit_log")
@doc(request_model=AuditSettingsUpdate, response_model=AuditSettingsRead, tag="audit_log")
def update_audit_settings(organization_id: uuid.UUID) -> Response:
    """Set retention in days, or null to keep forever (admins, Ultimate)."""
    require_level(Level.ADMIN)
    ensure_feature(g.organization_id, service.FEATURE)
    service.set_retention(retention_days=parse(AuditSettingsUpdate).retention_days)
    get_session().commit()
    return jsonify(_settings_read().model_dump(mode="json"))
