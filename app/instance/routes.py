"""Instance administration API (instance admins only: staff users, session login)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from app.db import get_session
from app.errors import Forbidden
from app.http import doc, parse
from app.instance import service
from app.instance.schemas import (
    EditionRead,
    InstanceSettingsRead,
    InstanceSettingsUpdate,
    InstanceStatusRead,
)
from app.telemetry import service as telemetry
from app.telemetry.schemas import TelemetryStateRead
from workers.enqueue import queue_depths
from workers.health import worker_heartbeats

bp = Blueprint("instance", __name__)


@bp.get("/api/instance/status/")
@doc(response_model=InstanceStatusRead, tag="instance")
def status() -> Response:
    """Version, edition and its source, queues, workers, database/Redis health, telemetry."""
    service.require_instance_admin()
    edition = service.instance_edition()
    body = InstanceStatusRead(
        version=service.version(),
        edition=EditionRead(
            edition=edition.grant.edition.label,
            source=edition.grant.source,
            organizations_by_edition=edition.organizations_by_edition,
        ),
        deployment=current_app.config["BURROW"].DEPLOYMENT,
        database=service.database_health(),
        redis=service.redis_health(),
        queue_depths=_safe_queue_depths(),
        workers=_safe_workers(),
        telemetry=TelemetryStateRead(**telemetry.state().as_dict()),
    )
    return jsonify(body.model_dump(mode="json"))


def _safe_queue_depths() -> dict[str, int]:
    if service.redis_health() != "ok":
        return {}
    return queue_depths()


def _safe_workers() -> list[dict[str, object]]:
    if service.redis_health() != "ok":
        return []
    return worker_heartbeats()


def _settings_body() -> Response:
    state = telemetry.state()
    body = InstanceSettingsRead(
        telemetry_enabled=state.admin_switch, telemetry=TelemetryStateRead(**state.as_dict())
    )
    return jsonify(body.model_dump(mode="json"))


@bp.get("/api/instance/settings/")
@doc(response_model=InstanceSettingsRead, tag="instance")
def get_settings() -> Response:
    """Instance-wide settings: the telemetry switch and what it currently resolves to."""
    service.require_instance_admin()
    return _settings_body()


@bp.patch("/api/instance/settings/")
@doc(request_model=InstanceSettingsUpdate, response_model=InstanceSettingsRead, tag="instance")
def update_settings() -> Response:
    """Turn telemetry on or off (Free edition; paid editions: only the operator setting)."""
    user = service.require_instance_admin()
    data = parse(InstanceSettingsUpdate)
    if data.telemetry_enabled is not None:
        if not data.telemetry_enabled and not telemetry.state().admin_can_disable:
            raise Forbidden(
                "On Growth and Ultimate, telemetry is switched off by the operator setting "
                "TELEMETRY_OPERATOR_OPT_OUT.",
                code="telemetry_operator_only",
                attr="telemetry_enabled",
            )
        telemetry.set_admin_switch(enabled=data.telemetry_enabled, user_id=user.id)
    get_session().commit()
    return _settings_body()
