"""Actions in insight queries: load a project's action and compile its steps to SQL.

An action is an OR of steps (spec insights.md 1.7); an `ActionsNode` series (or a
retention entity / cohort filter with `type: "actions"`) matches an event when any step
does. Per step, every condition given must hold (PostHog's `action_to_expr`):
- `event`: the event name (no event = any event);
- `url` on `$current_url`: `url_matching` `contains` (default, case-sensitive like
  PostHog's `like`), `exact` or `regex`;
- only for `$autocapture` steps, on the serialised `elements_chain`: `tag_name`,
  `text` / `href` with `text_matching` / `href_matching` (`exact` default, `contains`
  case-insensitive, `regex` on the value; regex needs Postgres), and `selector`;
- `properties`: property filters (any type app.query.properties supports).
A step with no condition matches every event; an action with no steps matches every event
(both as PostHog). Element selectors support tags, `.class`, `#id`, `[attr]`,
`[attr="value"]`, `*`, and the descendant and `>` child combinators; a selector matches
when some element of the chain (the clicked one or an ancestor) matches it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from app.query.base import QueryError
from app.query.properties import Sources, compile_filters
from app.query.sql import Params, escape_like, execute

AUTOCAPTURE = "$autocapture"
MATCHING = ("contains", "exact", "regex")
STEP_KEYS = frozenset(
    {
        "event",
        "properties",
        "selector",
        "tag_name",
        "text",
        "text_matching",
        "href",
        "href_matching",
        "url",
        "url_matching",
    }
)
CHAIN = "e.elements_chain"
# One element's attribute value inside an elements chain: text="...", href="..." (quotes
# inside values are escaped as \").
_VALUE = r'((?:[^"\\]|\\.)*)'


@dataclass(frozen=True)
class ActionDef:
    id: int
    name: str
    steps: list[dict[str, Any]]


def is_action(node: Any) -> bool:
    """An ActionsNode series, or a legacy entity with `type: "actions"`."""
    return isinstance(node, dict) and (
        node.get("kind") == "ActionsNode" or node.get("type") == "actions"
    )


def load_action(project_id: int, action_id: Any) -> ActionDef:
    """The project's live action `action_id`; a QueryError when absent (foreign ids too)."""
    try:
        wanted = int(action_id)
    except (TypeError, ValueError) as exc:
        raise QueryError("an action series needs the action's integer id") from exc
    rows = execute(
        "SELECT id, name, steps FROM actions WHERE project_id = :project_id "
        "AND id = :action_id AND deleted = :deleted",
        {"project_id": project_id, "action_id": wanted, "deleted": False},
    )
    if not rows:
        raise QueryError(f"action {wanted} does not exist")
    found: tuple[Any, ...] = tuple(rows[0])
    steps = json.loads(found[2]) if isinstance(found[2], str) else found[2]
    return ActionDef(int(found[0]), str(found[1]), list(steps or []))


def action_condition(project_id: int, action_id: Any, params: Params, src: Sources) -> str:
    """SQL (on events `e`) true when the event matches any step of the action."""
    return steps_condition(load_action(project_id, action_id).steps, params, src)


def steps_condition(steps: list[dict[str, Any]], params: Params, src: Sources) -> str:
    if not steps:
        return _true(params)
    parts = [_step(normalise_step(step), params, src) for step in steps]
    return "(" + " OR ".join(parts) + ")"


def normalise_step(step: Any) -> dict[str, Any]:
    """A step with known keys and valid matching modes / regexes, or a QueryError."""
    if not isinstance(step, dict):
        raise QueryError("each action step must be an object")
    unknown = sorted(set(step) - STEP_KEYS)
    if unknown:
        raise QueryError(f"unknown action step field {unknown[0]!r}")
    out = {key: step.get(key) for key in STEP_KEYS}
    for field, default in (("url", "contains"), ("text", "exact"), ("href", "exact")):
        mode = out[f"{field}_matching"] or default
        if mode not in MATCHING:
            raise QueryError(f"{field}_matching must be contains, exact or regex")
        out[f"{field}_matching"] = mode
        value = out[field]
        if value is not None and not isinstance(value, str):
            raise QueryError(f"action step {field} must be a string")
        if mode == "regex" and value:
            _check_regex(value, field)
    for field in ("event", "selector", "tag_name"):
        if out[field] is not None and not isinstance(out[field], str):
            raise QueryError(f"action step {field} must be a string")
    if out["selector"]:
        selector_regex(out["selector"])
    return out


def _check_regex(pattern: str, field: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise QueryError(f"invalid regex in action step {field}: {pattern!r}") from exc


def _true(params: Params) -> str:
    return "TRUE" if params.pg else "1=1"


def _step(step: dict[str, Any], params: Params, src: Sources) -> str:
    parts: list[str] = []
    if step["event"]:
        parts.append(f"e.event = {params.bind(step['event'])}")
    if step["event"] == AUTOCAPTURE:
        parts.extend(element_parts(step, params))
    if step["url"]:
        parts.append(_url(step["url"], step["url_matching"], params, src))
    if step["properties"]:
        parts.append(compile_filters(step["properties"], params, src))
    return "(" + " AND ".join(parts) + ")" if parts else _true(params)


def _url(url: str, mode: str, params: Params, src: Sources) -> str:
    expr = params.prop(src.event_props, "$current_url")
    if mode == "exact":
        return f"COALESCE({expr} = {params.bind(url)}, FALSE)"
    if mode == "regex":
        return f"COALESCE({params.regex(expr, url)}, FALSE)"
    if params.pg:
        return f"COALESCE({expr} LIKE {params.bind('%' + escape_like(url) + '%')}, FALSE)"
    return f"COALESCE(instr({expr}, {params.bind(url)}) > 0, FALSE)"


def element_parts(step: dict[str, Any], params: Params) -> list[str]:
    parts = []
    if step["selector"]:
        parts.append(params.regex(CHAIN, selector_regex(step["selector"])))
    if step["tag_name"] is not None:
        parts.append(params.regex(CHAIN, tag_regex(step["tag_name"])))
    for attr in ("text", "href"):
        if step[attr] is not None:
            parts.append(chain_attr(attr, step[attr], step[f"{attr}_matching"], params))
    return parts


def tag_regex(tag: str) -> str:
    """Some element of the chain has this tag name."""
    return rf"(^|;){re.escape(tag)}(\.|$|;|:)"


def chain_attr(attr: str, value: str, mode: str, params: Params) -> str:
    if mode == "regex":
        if not params.pg:
            raise QueryError(f"regex {attr} matching needs Postgres")
        pattern = params.bind(attr + '="' + _VALUE + '"')
        values = f"regexp_matches({CHAIN}, {pattern}, 'g')"
        return f"EXISTS (SELECT 1 FROM {values} AS m(v) WHERE (m.v)[1] ~ {params.bind(value)})"
    literal = re.escape(value.replace('"', '\\"'))
    if mode == "contains":
        return params.regex(CHAIN, f'(?i){attr}="[^"]*{literal}[^"]*"')
    return params.regex(CHAIN, f'{attr}="{literal}"')


# -- CSS selectors → a regex over the elements chain ---------------------------------

_TOKEN = re.compile(
    r"\s*(>)\s*|(\s+)|([a-zA-Z][\w-]*|\*)|#([\w-]+)|\.([\w-]+)"
    r"|\[\s*([\w-]+)\s*(?:=\s*(?:\"([^\"]*)\"|'([^']*)'|([\w-]+))\s*)?\]"
)


def _parse_selector(selector: str) -> list[tuple[str, list[str]]]:
    """[(combinator, element regex parts)] outermost first; combinator ' ' or '>'."""
    parts: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    combinator, pos = " ", 0
    text = selector.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise QueryError(f"unsupported selector {selector!r}")
        pos = m.end()
        if m.group(1) or m.group(2):
            if current is not None:
                parts.append(current)
                current = None
            if m.group(1):  # whitespace alone keeps the descendant default
                combinator = ">"
            continue
        if current is None:
            current, combinator = (combinator, []), " "
        current[1].append(_element_piece(m))
    if current is not None:
        parts.append(current)
    if not parts:
        raise QueryError("empty selector")
    return parts


def _element_piece(m: re.Match[str]) -> str:
    tag, ident, cls, attr = m.group(3), m.group(4), m.group(5), m.group(6)
    if tag:
        return "" if tag == "*" else f"(?={re.escape(tag)}([.:;]|$))"
    if ident:
        return f'(?=[^;]*attr_id="{re.escape(ident)}")'
    if cls:
        return rf"(?=[^;:]*\.{re.escape(cls)}([.:;]|$))"
    value = next((g for g in m.groups()[6:] if g is not None), None)
    if value is None:
        return f'(?=[^;]*attr__{re.escape(attr)}=")'
    return f'(?=[^;]*attr__{re.escape(attr)}="{re.escape(value)}")'


def selector_regex(selector: str) -> str:
    """A regex matching an elements chain (innermost element first) against the selector."""
    parsed = _parse_selector(selector)
    inner = list(reversed(parsed))
    regex = "(^|;)" + "".join(inner[0][1]) + "[^;]*"
    for i in range(1, len(inner)):
        link = ";" if inner[i - 1][0] == ">" else "(;[^;]*)*;"
        regex += link + "".join(inner[i][1]) + "[^;]*"
    return regex


# -- naming series in results ---------------------------------------------------------


def named(nodes: list[Any], project_id: int) -> list[Any]:
    """Copies of the nodes where each action node carries its action's `name`."""
    out = []
    for node in nodes:
        if is_action(node) and not node.get("name"):
            node = {**node, "name": load_action(project_id, node.get("id")).name}
        out.append(node)
    return out


def series_identity(node: dict[str, Any]) -> tuple[Any, str, Any]:
    """(id, type, name) of a series for result `action` objects."""
    if is_action(node):
        return node.get("id"), "actions", node.get("name")
    event = node.get("event")
    return event, "events", node.get("name") or event


def referenced_ids(node: Any) -> set[int]:
    """Ids of every action a query refers to (series, steps, exclusions, entities)."""
    found: set[int] = set()
    if isinstance(node, dict):
        raw = node.get("id")
        if is_action(node) and (isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())):
            found.add(int(raw))
        for value in node.values():
            found |= referenced_ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= referenced_ids(value)
    return found


def fingerprint(query: dict[str, Any], project_id: int) -> list[Any]:
    """The current definitions of the actions a query uses, for its cache key: editing an
    action then changes the key, even for ranges entirely in the past."""
    ids = sorted(referenced_ids(query))
    if not ids:
        return []
    params = Params("", project_id=project_id)
    binds = ", ".join(params.bind(i) for i in ids)
    rows = execute(
        f"SELECT id, steps, deleted FROM actions WHERE project_id = :project_id "
        f"AND id IN ({binds}) ORDER BY id",
        params,
    )
    out: list[Any] = []
    for row in rows:
        action_id, steps, deleted = tuple(row)
        out.append(
            [int(action_id), json.loads(steps) if isinstance(steps, str) else steps, deleted]
        )
    return out
