"""Job functions used by the worker tests (jobs take plain values, never ORM objects)."""

from app.tenancy import current_scope


def echo(value: int) -> int:
    return value + 1


def scope_of() -> str:
    scope = current_scope()
    return f"{scope.organization_id}:{scope.project_id}" if scope else "none"


def boom() -> None:
    raise RuntimeError("job failed on purpose")
