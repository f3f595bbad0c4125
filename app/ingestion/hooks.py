"""Extension points for ingestion (billing registers its quota checks here).

Each OVERFLOW_CHECKS entry takes (organization_id, project_id) and returns True when the
project is over quota; such batches are parked in `ingestion_overflow` (still 200) and
can be replayed with `app.ingestion.service.replay_overflow`. Self-hosted registers none.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

OverflowCheck = Callable[[uuid.UUID, int], bool]
OVERFLOW_CHECKS: list[OverflowCheck] = []


def over_quota(organization_id: uuid.UUID, project_id: int) -> bool:
    return any(check(organization_id, project_id) for check in OVERFLOW_CHECKS)
