"""Event property filters as SQL expressions (JSONB on Postgres, JSON1 on SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, not_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import ValidationError

NUMERIC = r"^\s*-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*$"


def _text(column: InstrumentedAttribute[Any], key: str) -> ColumnElement[Any]:
    text: ColumnElement[Any] = column[key].as_string()
    return text


def _is_set(column: InstrumentedAttribute[Any], key: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return column.has_key(key)  # type: ignore[no-any-return]
    return func.json_type(column, f'$."{key}"').is_not(None)


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _number(value: Any, key: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Filter on '{key}' needs a number.", attr="properties") from exc


def _regex(text: ColumnElement[Any], pattern: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return text.op("~")(pattern)
    return text.regexp_match(pattern)


def property_clause(
    column: InstrumentedAttribute[Any], key: str, operator: str, value: Any, dialect: str
) -> ColumnElement[bool]:
    """One filter: missing keys never match, except for is_not / is_not_set."""
    if operator == "is_set":
        return _is_set(column, key, dialect)
    if operator == "is_not_set":
        return not_(_is_set(column, key, dialect))
    text = _text(column, key)
    if operator in ("exact", "is_not"):
        match = func.lower(text).in_([v.lower() for v in _values(value)])
        return match if operator == "exact" else or_(text.is_(None), not_(match))
    if operator in ("icontains", "not_icontains"):
        like = text.ilike(f"%{value}%")
        return like if operator == "icontains" else or_(text.is_(None), not_(like))
    if operator in ("regex", "not_regex"):
        found = _regex(text, str(value), dialect)
        return found if operator == "regex" else or_(text.is_(None), not_(found))
    number = _number(value, key)
    numeric = case((_regex(text, NUMERIC, dialect), cast(text, Float)), else_=None)
    compare = {"gt": numeric > number, "gte": numeric >= number, "lt": numeric < number}
    return and_(text.is_not(None), compare.get(operator, numeric <= number))
