"""Recalculating a dynamic cohort: members go in under a new version, then the cohort's
`version` switches to it (readers only ever see a complete calculation), then the previous
version's rows are removed."""

from __future__ import annotations

import logging

from sqlalchemy import delete, insert, select

from app.cohorts.models import Cohort, CohortPerson
from app.db import get_session, utcnow
from app.query.base import QueryError
from app.query.cohort_sql import member_person_ids

log = logging.getLogger(__name__)


def recalculate(*, cohort_id: int) -> int | None:
    """Compute a dynamic cohort now; returns its member count (None if gone or static)."""
    session = get_session()
    cohort = session.scalar(select(Cohort).where(Cohort.id == cohort_id))
    if cohort is None or cohort.is_static or cohort.deleted:
        return None
    previous = cohort.version
    version = max(previous or 0, cohort.pending_version or 0) + 1
    cohort.pending_version, cohort.is_calculating = version, True
    session.flush()
    try:
        ids = member_person_ids(cohort.project_id, cohort.filters, utcnow())
    except QueryError:
        # A definition we cannot evaluate: record it (the job still commits) and keep the
        # last good version readable.
        cohort.is_calculating = False
        cohort.errors_calculating += 1
        log.warning("cohort %s has a definition that cannot be calculated", cohort_id)
        return None
    _write(cohort, ids, version)
    cohort.version, cohort.count = version, len(ids)
    cohort.is_calculating, cohort.last_calculation = False, utcnow()
    cohort.errors_calculating = 0
    session.execute(
        delete(CohortPerson).where(
            CohortPerson.cohort_id == cohort.id, CohortPerson.version != version
        )
    )
    return len(ids)


def _write(cohort: Cohort, person_ids: list[int], version: int) -> None:
    if not person_ids:
        return
    rows = [
        {
            "project_id": cohort.project_id,
            "cohort_id": cohort.id,
            "person_id": pid,
            "version": version,
        }
        for pid in person_ids
    ]
    session = get_session()
    for start in range(0, len(rows), 5000):
        session.execute(insert(CohortPerson), rows[start : start + 5000])
