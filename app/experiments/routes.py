"""Experiments API (Growth): CRUD, launch/end/ship, cached results; holdouts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select

from app.db import get_session, utcnow
from app.entitlements import require_feature
from app.experiments import service
from app.experiments.models import Experiment, Holdout
from app.experiments.schemas import (
    ExperimentCreate,
    ExperimentRead,
    ExperimentUpdate,
    HoldoutCreate,
    ShipRequest,
)
from app.feature_flags import definitions
from app.http import api_scope, doc, paginate, parse
from workers import queues
from workers.enqueue import enqueue

bp = Blueprint("experiments", __name__)
BASE = "/api/projects/<int:project_id>/experiments/"
HOLDOUTS = "/api/projects/<int:project_id>/experiment_holdouts/"
RESULTS_TTL = timedelta(minutes=5)


def _read(experiment: Experiment) -> dict[str, Any]:
    flag = service.flag_of(experiment)
    data = {
        n: getattr(experiment, n) for n in ExperimentRead.model_fields if n != "feature_flag_key"
    }
    return ExperimentRead.model_validate({**data, "feature_flag_key": flag.key}).model_dump(
        mode="json"
    )


def _json(experiment: Experiment, status: int = 200) -> Response:
    response = jsonify(_read(experiment))
    response.status_code = status
    return response


def _holdout_json(h: Holdout) -> dict[str, Any]:
    return {
        "id": h.id,
        "name": h.name,
        "description": h.description,
        "exclusion_percentage": h.exclusion_percentage,
        "created_at": h.created_at.isoformat(),
    }


def _done(project_id: int, experiment: Experiment, status: int = 200) -> Response:
    get_session().commit()
    definitions.invalidate(project_id)
    return _json(experiment, status)


@bp.get(BASE)
@api_scope("experiment")
@require_feature("experiments")
@doc(response_model=ExperimentRead, tag="experiments")
def list_experiments(project_id: int) -> Response:
    """The project's experiments, newest first."""
    return jsonify(paginate(select(Experiment).order_by(Experiment.id.desc()), _read))


@bp.post(BASE)
@api_scope("experiment")
@require_feature("experiments")
@doc(request_model=ExperimentCreate, response_model=ExperimentRead, tag="experiments")
def create_experiment(project_id: int) -> Response:
    """Create an experiment on a multivariate flag (created when the key is new)."""
    data = parse(ExperimentCreate).model_dump()
    experiment = service.create_experiment(
        organization_id=g.organization_id, user_id=g.principal.user_id, data=data
    )
    return _done(project_id, experiment, 201)


@bp.get(BASE + "<int:experiment_id>/")
@api_scope("experiment")
@require_feature("experiments")
@doc(response_model=ExperimentRead, tag="experiments")
def get_experiment(project_id: int, experiment_id: int) -> Response:
    """One experiment."""
    return _json(service.get_experiment(experiment_id))


@bp.patch(BASE + "<int:experiment_id>/")
@api_scope("experiment")
@require_feature("experiments")
@doc(request_model=ExperimentUpdate, response_model=ExperimentRead, tag="experiments")
def update_experiment(project_id: int, experiment_id: int) -> Response:
    """Rename, change metrics, archive."""
    changes = parse(ExperimentUpdate).model_dump(exclude_unset=True)
    experiment = service.update_experiment(
        experiment=service.get_experiment(experiment_id), changes=changes
    )
    return _done(project_id, experiment)


@bp.delete(BASE + "<int:experiment_id>/")
@api_scope("experiment")
@require_feature("experiments")
@doc(tag="experiments")
def delete_experiment(project_id: int, experiment_id: int) -> Response:
    """Delete the experiment (its flag stays)."""
    get_session().delete(service.get_experiment(experiment_id))
    get_session().commit()
    return Response(status=204)


@bp.post(BASE + "<int:experiment_id>/launch/")
@api_scope("experiment")
@require_feature("experiments")
@doc(response_model=ExperimentRead, tag="experiments")
def launch(project_id: int, experiment_id: int) -> Response:
    """Start the experiment: its flag goes live."""
    experiment = service.start(
        experiment=service.get_experiment(experiment_id), organization_id=g.organization_id
    )
    return _done(project_id, experiment)


@bp.post(BASE + "<int:experiment_id>/end/")
@api_scope("experiment")
@require_feature("experiments")
@doc(response_model=ExperimentRead, tag="experiments")
def end(project_id: int, experiment_id: int) -> Response:
    """Stop the experiment's results window."""
    experiment = service.stop(experiment=service.get_experiment(experiment_id))
    return _done(project_id, experiment)


@bp.post(BASE + "<int:experiment_id>/ship_variant/")
@api_scope("experiment")
@require_feature("experiments")
@doc(request_model=ShipRequest, response_model=ExperimentRead, tag="experiments")
def ship_variant(project_id: int, experiment_id: int) -> Response:
    """Roll one variant out to everyone and end the experiment."""
    variant = parse(ShipRequest).variant
    experiment = service.ship(
        experiment=service.get_experiment(experiment_id),
        organization_id=g.organization_id,
        variant=variant,
    )
    return _done(project_id, experiment)


def _fresh(experiment: Experiment) -> bool:
    at = experiment.results_computed_at
    return at is not None and at >= experiment.updated_at and utcnow() - at < RESULTS_TTL


@bp.get(BASE + "<int:experiment_id>/results/")
@api_scope("experiment")
@require_feature("experiments")
@doc(tag="experiments")
def results(project_id: int, experiment_id: int) -> Response:
    """Cached results; otherwise queue a computation on the insights worker (202)."""
    experiment = service.get_experiment(experiment_id)
    if _fresh(experiment) and request.args.get("refresh") != "true":
        return jsonify({"status": "complete", **experiment.results})
    job = enqueue(
        "workers.jobs.experiments.compute_results",
        queue=queues.INSIGHTS,
        organization_id=g.organization_id,
        project_id=project_id,
        job_id=f"experiment-results-{experiment_id}",
        experiment_id=experiment_id,
    )
    if job.inline:
        get_session().refresh(experiment)
        return jsonify({"status": "complete", **experiment.results})
    response = jsonify({"status": "calculating", "job_id": job.job_id})
    response.status_code = 202
    return response


@bp.get(HOLDOUTS)
@api_scope("experiment")
@require_feature("experiments")
@doc(tag="experiments")
def list_holdouts(project_id: int) -> Response:
    """Holdout groups of the project."""
    return jsonify(paginate(select(Holdout).order_by(Holdout.id), _holdout_json))


@bp.post(HOLDOUTS)
@api_scope("experiment")
@require_feature("experiments")
@doc(request_model=HoldoutCreate, tag="experiments")
def create_holdout(project_id: int) -> Response:
    """Create a holdout group (a share of users kept out of experiments using it)."""
    holdout = service.create_holdout(data=parse(HoldoutCreate).model_dump())
    get_session().commit()
    response = jsonify(_holdout_json(holdout))
    response.status_code = 201
    return response


@bp.get(HOLDOUTS + "<int:holdout_id>/")
@api_scope("experiment")
@require_feature("experiments")
@doc(tag="experiments")
def get_holdout(project_id: int, holdout_id: int) -> Response:
    """One holdout group."""
    return jsonify(_holdout_json(service.get_holdout(holdout_id)))
