"""Trends labels and formulas (spec 2.1 "Label of a series" and "Formulas")."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.query import formula
from app.query.actions import is_action
from app.query.base import QueryError
from app.query.breakdown import Breakdown, Key

if TYPE_CHECKING:
    from app.query.dates import DateRange
    from app.query.trends import Computed, Options


@dataclass(frozen=True)
class FormulaSpec:
    text: str
    custom_name: str | None
    tree: ast.expr

    @staticmethod
    def from_filter(tf: dict[str, Any]) -> list[FormulaSpec]:
        """`formulaNodes` [{formula, custom_name}], `formulas` [...] or `formula` "..."."""
        nodes: list[tuple[str, str | None]] = []
        if tf.get("formulaNodes"):
            nodes = [(n.get("formula") or "", n.get("custom_name")) for n in tf["formulaNodes"]]
        elif tf.get("formulas"):
            nodes = [(f, None) for f in tf["formulas"]]
        elif tf.get("formula"):
            nodes = [(tf["formula"], None)]
        specs = []
        for text, name in nodes:
            if not isinstance(text, str) or not text.strip():
                raise QueryError("empty formula")
            specs.append(FormulaSpec(text.strip(), name, formula.parse(text)))
        return specs


def _key_text(key: Key) -> str:
    if isinstance(key, tuple):
        return "::".join(str(k) for k in key)
    if key == "all":
        return "all users"
    return str(key)


def series_label(
    series: dict[str, Any], key: Key, n_series: int, breakdown: Breakdown | None
) -> str:
    """custom_name/event name; the breakdown value; or "<name> - <value>" for several series."""
    event = series.get("name") if is_action(series) else series.get("event")
    name = series.get("custom_name") or (event if event is not None else "All events")
    if breakdown is None:
        return str(name)
    if n_series == 1:
        return _key_text(key)
    return f"{name} - {_key_text(key)}"


def _ordered_keys(computed: list[Computed]) -> list[Key]:
    """Breakdown values in the order they rank, first series first; missing ones count as 0."""
    seen: list[Key] = []
    for c in computed:
        for k in c.keys:
            if k not in seen:
                seen.append(k)
    return seen


def formula_results(
    computed: list[Computed], rng: DateRange, opts: Options, compare_label: str | None
) -> list[dict[str, Any]]:
    """One result per formula (× breakdown value), evaluated per bucket."""
    from app.query.trends import apply_display, time_axis

    keys = _ordered_keys(computed)
    buckets = rng.buckets()
    out = []
    for spec in opts.formulas:
        for key in keys:
            series_values = [c.values.get(key) for c in computed]
            result: dict[str, Any]
            if opts.total:
                agg = formula.evaluate(spec.tree, [v or 0 for v in series_values])
                result = {"data": [], "days": [], "labels": [], "count": 0, "aggregated_value": agg}
            else:
                data = [
                    formula.evaluate(spec.tree, [(v or {}).get(b, 0) for v in series_values])
                    for b in buckets
                ]
                result = {**time_axis(rng, buckets), **apply_display(data, opts)}
            label = spec.custom_name or f"Formula ({spec.text})"
            if opts.breakdown is not None:
                label = _key_text(key) if len(opts.formulas) == 1 else f"{label} - {_key_text(key)}"
                result["breakdown_value"] = list(key) if isinstance(key, tuple) else key
            result["label"] = label
            result["action"] = None
            if compare_label is not None:
                result["compare"] = True
                result["compare_label"] = compare_label
            out.append(result)
    return out
