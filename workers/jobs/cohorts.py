"""Cohort jobs: calculate one dynamic cohort; periodically recalculate every dynamic cohort."""

from __future__ import annotations

from sqlalchemy import select

from app.cohorts.compute import recalculate
from app.cohorts.models import Cohort
from app.db import get_session
from app.projects.models import Project
from app.tenancy import unscoped
from workers import queues
from workers.enqueue import enqueue


def calculate_cohort(cohort_id: int) -> int | None:
    """Recalculate one cohort in the job's tenant scope; returns the member count."""
    return recalculate(cohort_id=cohort_id)


def recalculate_all() -> int:
    """Scheduled: enqueue a recalculation for every live dynamic cohort of every project."""
    with unscoped():  # crossing tenants is this job's purpose
        rows = (
            get_session()
            .execute(
                select(Cohort.id, Cohort.project_id, Project.organization_id)
                .join(Project, Project.id == Cohort.project_id)
                .where(Cohort.is_static.is_(False), Cohort.deleted.is_(False))
                .order_by(Cohort.id)
            )
            .all()
        )
    for cohort_id, project_id, organization_id in rows:
        enqueue(
            calculate_cohort,
            queue=queues.DEFAULT,
            organization_id=organization_id,
            project_id=project_id,
            job_id=f"cohort-calculate-{cohort_id}",
            cohort_id=cohort_id,
        )
    return len(rows)
