"""Experiments: a multivariate flag with control and test, its lifecycle, and its results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.activity import service as activity
from app.db import get_session, utcnow
from app.errors import Conflict, NotFound, ValidationError
from app.experiments.models import Experiment, Holdout
from app.experiments.results import compute
from app.feature_flags import service as flags
from app.feature_flags.models import FeatureFlag

DEFAULT_VARIANTS = [
    {"key": "control", "name": "Control", "rollout_percentage": 50},
    {"key": "test", "name": "Test", "rollout_percentage": 50},
]


def get_experiment(experiment_id: int) -> Experiment:
    found = get_session().scalar(select(Experiment).where(Experiment.id == experiment_id))
    if found is None:
        raise NotFound()
    return found


def get_holdout(holdout_id: int) -> Holdout:
    found = get_session().scalar(select(Holdout).where(Holdout.id == holdout_id))
    if found is None:
        raise NotFound("Holdout not found.", attr="holdout_id")
    return found


def flag_of(experiment: Experiment) -> FeatureFlag:
    flag = get_session().get(FeatureFlag, experiment.feature_flag_id)
    if flag is None:
        raise NotFound()
    return flag


def _variants_of(flag: FeatureFlag) -> list[str]:
    return [v["key"] for v in ((flag.filters.get("multivariate") or {}).get("variants") or [])]


def _holdout_filter(holdout_id: int | None) -> dict[str, Any] | None:
    if holdout_id is None:
        return None
    holdout = get_holdout(holdout_id)
    return {"id": holdout.id, "exclusion_percentage": holdout.exclusion_percentage}


def _flag_for(data: dict[str, Any], org_id: uuid.UUID, user_id: uuid.UUID | None) -> FeatureFlag:
    """Reuse the named multivariate flag, or create it (inactive until the experiment starts)."""
    stmt = select(FeatureFlag).where(
        FeatureFlag.key == data["feature_flag_key"], FeatureFlag.deleted.is_(False)
    )
    flag = get_session().scalar(stmt)
    if flag is not None:
        if "control" not in _variants_of(flag) or len(_variants_of(flag)) < 2:
            raise ValidationError(
                "The flag must be multivariate with a 'control' and a test variant.",
                attr="feature_flag_key",
            )
        return flag
    variants = data.get("variants") or DEFAULT_VARIANTS
    if "control" not in [v["key"] for v in variants] or len(variants) < 2:
        raise ValidationError("Variants need 'control' and at least one test.", attr="variants")
    filters: dict[str, Any] = {
        "groups": [{"properties": [], "rollout_percentage": 100}],
        "multivariate": {"variants": variants},
    }
    holdout = _holdout_filter(data.get("holdout_id"))
    if holdout:
        filters["holdout"] = holdout
    return flags.create_flag(
        organization_id=org_id,
        user_id=user_id,
        data={
            "key": data["feature_flag_key"],
            "name": data["name"],
            "filters": filters,
            "active": False,
        },
    )


def create_experiment(
    *, organization_id: uuid.UUID, user_id: uuid.UUID | None, data: dict[str, Any]
) -> Experiment:
    """Create the experiment (and its flag when the key is new)."""
    flag = _flag_for(data, organization_id, user_id)
    experiment = Experiment(
        name=data["name"],
        description=data.get("description") or "",
        feature_flag_id=flag.id,
        holdout_id=data.get("holdout_id"),
        parameters={"feature_flag_variants": flag.filters["multivariate"]["variants"]},
        metrics=data["metrics"],
        metrics_secondary=data.get("metrics_secondary") or [],
        created_by_id=user_id,
    )
    get_session().add(experiment)
    get_session().flush()
    activity.record(
        action="created",
        scope="Experiment",
        item_id=experiment.id,
        name=experiment.name,
        project_id=experiment.project_id,
    )
    return experiment


def update_experiment(*, experiment: Experiment, changes: dict[str, Any]) -> Experiment:
    for name, value in changes.items():
        if value is not None:
            setattr(experiment, name, value)
    experiment.updated_at = utcnow()
    return experiment


def _set_active(experiment: Experiment, org_id: uuid.UUID, active: bool) -> None:
    flags.update_flag(
        flag=flag_of(experiment), organization_id=org_id, user_id=None, changes={"active": active}
    )


def start(*, experiment: Experiment, organization_id: uuid.UUID) -> Experiment:
    """Start: record the start date and switch the flag on."""
    if experiment.start_date is not None:
        raise Conflict("The experiment has already started.", code="already_started")
    experiment.start_date = utcnow()
    _set_active(experiment, organization_id, True)
    return experiment


def stop(*, experiment: Experiment, at: datetime | None = None) -> Experiment:
    """Stop collecting: the end date bounds the results window; the flag stays as it is."""
    if experiment.start_date is None:
        raise Conflict("The experiment has not started.", code="not_started")
    experiment.end_date = at or utcnow()
    return experiment


def ship(*, experiment: Experiment, organization_id: uuid.UUID, variant: str) -> Experiment:
    """Ship a variant: every user gets it (100 % rollout on that variant), the run ends."""
    flag = flag_of(experiment)
    variants = flag.filters["multivariate"]["variants"]
    if variant not in [v["key"] for v in variants]:
        raise ValidationError(f"Unknown variant {variant!r}.", attr="variant")
    shipped = [{**v, "rollout_percentage": 100 if v["key"] == variant else 0} for v in variants]
    filters = {
        **flag.filters,
        "multivariate": {"variants": shipped},
        "groups": [{"properties": [], "rollout_percentage": 100, "variant": variant}],
    }
    filters.pop("holdout", None)
    flags.update_flag(
        flag=flag,
        organization_id=organization_id,
        user_id=None,
        changes={"filters": filters, "active": True},
    )
    experiment.shipped_variant = variant
    experiment.end_date = experiment.end_date or utcnow()
    return experiment


def create_holdout(*, data: dict[str, Any]) -> Holdout:
    holdout = Holdout(**data)
    get_session().add(holdout)
    get_session().flush()
    return holdout


def refresh_results(*, experiment_id: int) -> dict[str, Any]:
    """Compute every metric's results and store them on the experiment (the worker's job)."""
    experiment = get_experiment(experiment_id)
    flag = flag_of(experiment)
    results = compute(
        experiment, flag.key, [v["key"] for v in experiment.parameters["feature_flag_variants"]]
    )
    experiment.results = results
    experiment.results_computed_at = utcnow()
    return results
