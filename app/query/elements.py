"""Element property filters (`{"type": "element", "key": ..., "operator": ..., "value": ...}`)
on the autocapture `elements_chain`, with the same matching as action steps
(app.query.actions):
- `selector` and `tag_name`: `exact` / `is_not` — some element of the chain matches;
- `text` and `href`: `exact`, `is_not`, `icontains`, `not_icontains`, `regex`, `not_regex`
  on the element's attribute value.
A list value matches when any item does; negative operators pass events with no match
(including events without an elements chain), as PostHog's element filters do.
"""

from __future__ import annotations

from typing import Any

from app.query.actions import CHAIN, chain_attr, selector_regex, tag_regex
from app.query.base import QueryError
from app.query.sql import Params

_ATTR_MODES = {
    "exact": ("exact", False),
    "is_not": ("exact", True),
    "icontains": ("contains", False),
    "not_icontains": ("contains", True),
    "regex": ("regex", False),
    "not_regex": ("regex", True),
}
_CHAIN_MODES = {"exact": False, "is_not": True}


def compile_element(prop: dict[str, Any], params: Params) -> str:
    key, operator = prop.get("key"), prop.get("operator") or "exact"
    raw = prop.get("value")
    given = raw if isinstance(raw, list) else [raw]
    values = [v for v in given if isinstance(v, str) and v]
    if not values or len(values) != len(given):
        raise QueryError("element filters need a non-empty string value (or a list of them)")
    if key in ("selector", "tag_name"):
        if operator not in _CHAIN_MODES:
            raise QueryError(f"element {key} filters support exact and is_not")
        negate = _CHAIN_MODES[operator]
        build = selector_regex if key == "selector" else tag_regex
        parts = [params.regex(CHAIN, build(v)) for v in values]
    elif key in ("text", "href"):
        if operator not in _ATTR_MODES:
            raise QueryError(f"element {key} filters do not support {operator!r}")
        mode, negate = _ATTR_MODES[operator]
        parts = [chain_attr(key, v, mode, params) for v in values]
    else:
        raise QueryError("element filters use key selector, tag_name, text or href")
    matched = "(" + " OR ".join(f"COALESCE({p}, FALSE)" for p in parts) + ")"
    return f"(NOT {matched})" if negate else matched
