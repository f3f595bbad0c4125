"""Validation of PostHog-shaped `filters`; every error names the failing field."""

from __future__ import annotations

import json
from typing import Any

from app.errors import ValidationError
from app.feature_flags.matching import COHORT_OPERATORS, PROPERTY_OPERATORS

PROPERTY_TYPES = frozenset({"person", "group", "cohort", "flag", "event", None})


def _fail(detail: str, attr: str = "filters", code: str = "invalid_input") -> ValidationError:
    return ValidationError(detail, attr=attr, code=code)


def _percentage(value: Any, attr: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise _fail("Rollout percentage must be a number between 0 and 100.", attr)


def _variants(filters: dict[str, Any]) -> list[str]:
    multivariate = filters.get("multivariate")
    if not multivariate:
        return []
    variants = multivariate.get("variants") if isinstance(multivariate, dict) else None
    if not isinstance(variants, list) or not variants:
        raise _fail("multivariate.variants must be a non-empty list.", "filters.multivariate")
    keys = []
    for i, variant in enumerate(variants):
        if not isinstance(variant, dict) or not str(variant.get("key") or "").strip():
            raise _fail("Every variant needs a key.", f"filters.multivariate.variants.{i}")
        _percentage(variant.get("rollout_percentage"), f"filters.multivariate.variants.{i}")
        keys.append(str(variant["key"]))
    if len(set(keys)) != len(keys):
        raise _fail("Variant keys must be unique.", "filters.multivariate")
    total = sum(float(v.get("rollout_percentage") or 0) for v in variants)
    if abs(total - 100) > 1e-9:
        raise _fail(
            "Invalid variant definitions: variant rollout percentages must sum to 100.",
            "filters.multivariate",
            "invalid_variant_percentages",
        )
    return keys


def _property(prop: Any, attr: str) -> None:
    if not isinstance(prop, dict) or not prop.get("key"):
        raise _fail("Every property filter needs a key.", attr)
    kind, op = prop.get("type"), prop.get("operator")
    if kind not in PROPERTY_TYPES:
        raise _fail(f"Unknown property type {kind!r}.", attr)
    if kind == "cohort":
        if op not in (None, *COHORT_OPERATORS):
            raise _fail(f"Unknown cohort operator {op!r}.", attr, "invalid_operator")
    elif kind == "flag":
        if op != "flag_evaluates_to" or not isinstance(prop.get("value"), bool | str):
            raise _fail(
                "Flag dependencies use flag_evaluates_to with true, false or a variant.", attr
            )
    elif op is not None and op not in PROPERTY_OPERATORS:
        raise _fail(f"Unknown operator {op!r}.", attr, "invalid_operator")


def _groups(groups: Any, attr: str, variants: list[str]) -> None:
    if not isinstance(groups, list):
        raise _fail("Condition groups must be a list.", attr)
    for i, group in enumerate(groups):
        where = f"{attr}.{i}"
        if not isinstance(group, dict):
            raise _fail("A condition group must be an object.", where)
        _percentage(group.get("rollout_percentage"), f"{where}.rollout_percentage")
        props = group.get("properties") or []
        if not isinstance(props, list):
            raise _fail("properties must be a list.", f"{where}.properties")
        for j, prop in enumerate(props):
            _property(prop, f"{where}.properties.{j}")
        variant = group.get("variant")
        if variant is not None and variant not in variants:
            raise _fail(
                f"Variant {variant!r} is not one of the flag's variants.", f"{where}.variant"
            )


def _payloads(filters: dict[str, Any], variants: list[str]) -> dict[str, str]:
    payloads = filters.get("payloads") or {}
    if not isinstance(payloads, dict):
        raise _fail("payloads must be an object.", "filters.payloads")
    allowed = {"true", *variants}
    out = {}
    for key, value in payloads.items():
        if key not in allowed:
            raise _fail(f"Payload key {key!r} is not 'true' or a variant.", "filters.payloads")
        if value is None or value == "":
            continue
        out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


def _holdout(holdout: Any) -> None:
    if holdout is None:
        return
    if not isinstance(holdout, dict) or not isinstance(holdout.get("id"), int):
        raise _fail("holdout must be {id, exclusion_percentage}.", "filters.holdout")
    _percentage(holdout.get("exclusion_percentage"), "filters.holdout.exclusion_percentage")


def clean_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """A validated, normalised copy (payload values as JSON strings)."""
    out = dict(filters)
    variants = _variants(out)
    _groups(out.get("groups") or [], "filters.groups", variants)
    _groups(out.get("super_groups") or [], "filters.super_groups", [])
    index = out.get("aggregation_group_type_index")
    if index is not None and (isinstance(index, bool) or index not in range(5)):
        raise _fail(
            "aggregation_group_type_index must be 0 to 4.", "filters.aggregation_group_type_index"
        )
    _holdout(out.get("holdout"))
    out["payloads"] = _payloads(out, variants)
    out.setdefault("groups", [])
    if not out.get("multivariate"):
        out["multivariate"] = None
    return out


def dependency_refs(filters: dict[str, Any]) -> list[str]:
    """The flag ids/keys a flag's conditions depend on."""
    refs = []
    for group in filters.get("groups") or []:
        refs += [str(p["key"]) for p in group.get("properties") or [] if p.get("type") == "flag"]
    return refs
