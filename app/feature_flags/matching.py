"""Property operators, with the server's semantics from protocol.md 5.3.

The server answers every flag: a missing property is simply no match (except
`is_not_set`), an unusable filter value is no match, never an exception.
"""

from __future__ import annotations

import calendar
import json
import math
import re
import re._parser as sre_parse
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import regex as regex_engine

EQUALITY = ("exact", "is_not", "is_set", "is_not_set")
TEXT = ("icontains", "not_icontains", "starts_with", "not_starts_with", "ends_with")
TEXT_ALL = (*TEXT, "not_ends_with")
REGEX = ("regex", "not_regex")
NUMERIC = ("gt", "gte", "lt", "lte")
DATES = ("is_date_before", "is_date_after", "is_date_exact")
SEMVER_CMP = ("semver_eq", "semver_neq", "semver_gt", "semver_gte", "semver_lt", "semver_lte")
SEMVER_RANGE = ("semver_tilde", "semver_caret", "semver_wildcard")
PROPERTY_OPERATORS = frozenset(
    (*EQUALITY, *TEXT_ALL, *REGEX, *NUMERIC, *DATES, *SEMVER_CMP, *SEMVER_RANGE)
)
COHORT_OPERATORS = frozenset({"in", "not_in", "exact"})
_NUMERIC_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RELATIVE_RE = re.compile(r"^-?(?P<n>[0-9]+)(?P<unit>[a-z])$")
MAX_REGEX_INPUT = 10_000
# Time one regex search may take for patterns prone to catastrophic backtracking
# (protocol.md 5.3: PostHog bounds backtracking; a search that hits the bound matches nothing).
REGEX_TIMEOUT_SECONDS = 0.05
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def to_text(value: Any) -> str:
    """Strings as they are; anything else as compact JSON with sorted keys."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _is_boolish(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return value.lower() in ("true", "false")
    if isinstance(value, list):
        return all(_is_boolish(v) for v in value)
    return False


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    if isinstance(value, list):
        return all(_truthy(v) for v in value)
    return False


def _exact(expected: Any, actual: Any, matching_version: int) -> bool:
    if expected == []:
        return _truthy(actual)
    if matching_version != 2 and _is_boolish(expected):
        return _truthy(expected) == _truthy(actual)
    got = to_text(actual).lower()
    candidates = expected if isinstance(expected, list) else [expected]
    return any(to_text(c).lower() == got for c in candidates)


def number(value: Any) -> float | None:
    """A finite float from a number or a numeric string, else None."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    if isinstance(value, str) and not _NUMERIC_RE.fullmatch(value.strip()):
        return None
    try:
        parsed = float(value)
    except (ValueError, OverflowError):
        return None
    return parsed if math.isfinite(parsed) else None


def _numeric(op: str, expected: Any, actual: Any) -> bool:
    want, got = number(expected), number(actual)
    if want is None or got is None:
        return False
    return {"gt": got > want, "gte": got >= want, "lt": got < want, "lte": got <= want}[op]


def _text(op: str, expected: Any, actual: Any) -> bool:
    got, want = to_text(actual).translate(_LOWER), to_text(expected).translate(_LOWER)
    if op.endswith("icontains"):
        hit = want in got
    elif op.endswith("starts_with"):
        hit = got.startswith(want)
    else:
        hit = got.endswith(want)
    return not hit if op.startswith("not_") else hit


@lru_cache(maxsize=2048)
def compile_regex(pattern: str) -> re.Pattern[str] | None:
    """The compiled pattern, or None when it is invalid (which matches nothing)."""
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)


def _walk(tree: Any) -> tuple[int, bool]:
    """(unbounded repeats, whether a repeat holds a repeat, an alternation or a backreference)."""
    unbounded, nested = 0, False
    for op, av in tree:
        if op in (sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS):
            nested = True
        if op in _REPEATS:
            _low, high, sub = av
            unbounded += high == sre_parse.MAXREPEAT
            inner, _ = _walk(sub)
            risky = any(o in (*_REPEATS, sre_parse.BRANCH) for o, _ in _flatten(sub))
            nested = nested or risky or inner > 0
            unbounded += inner
        for part in _children(op, av):
            more, deep = _walk(part)
            unbounded, nested = unbounded + more, nested or deep
    return unbounded, nested


def _children(op: Any, av: Any) -> list[Any]:
    if op is sre_parse.SUBPATTERN:
        return [av[-1]]
    if op is sre_parse.BRANCH:
        return list(av[1])
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return [av[1]]
    if op is sre_parse.ATOMIC_GROUP:
        return [av]
    if op is sre_parse.GROUPREF_EXISTS:
        return [p for p in av[1:] if p is not None]
    return []


def _flatten(tree: Any) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    for op, av in tree:
        out.append((op, av))
        for part in _children(op, av):
            out += _flatten(part)
    return out


@lru_cache(maxsize=2048)
def guarded_regex(pattern: str) -> Any | None:
    """For a pattern that can backtrack for long (a repeat inside a repeat, alternation under
    a repeat, a backreference, or two unbounded repeats), the same pattern compiled by the
    `regex` package, whose searches take a timeout; None for every other pattern."""
    try:
        unbounded, nested = _walk(sre_parse.parse(pattern))
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return None
    if not nested and unbounded < 2:
        return None
    try:
        return regex_engine.compile(pattern, regex_engine.VERSION0)
    except (regex_engine.error, RecursionError, OverflowError, ValueError):
        return None


def _regex(op: str, expected: Any, actual: Any) -> bool:
    text = to_text(expected)
    pattern = compile_regex(text)
    if pattern is None:
        return False
    subject = to_text(actual)[:MAX_REGEX_INPUT]
    guarded = guarded_regex(text)
    if guarded is None:
        hit = pattern.search(subject) is not None
    else:
        try:
            hit = guarded.search(subject, timeout=REGEX_TIMEOUT_SECONDS) is not None
        except TimeoutError:  # like PostHog's backtrack limit: an error, false for both ops
            return False
    return not hit if op == "not_regex" else hit


def _minus_months(moment: datetime, months: int) -> datetime | None:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = index // 12, index % 12 + 1
    if not 1 <= year <= 9999:
        return None
    # Clamp at every intermediate month: 31 March minus 2 months is 28 January.
    day, start = moment.day, moment.year * 12 + moment.month - 1
    for step in range(start - 1, index - 1, -1):
        day = min(day, _month_days(step // 12, step % 12 + 1))
        if day <= 28:
            break
    return moment.replace(year=year, month=month, day=day)


def _month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def relative_date(value: str, now: datetime | None = None) -> datetime | None:
    """`-?N{h,d,w,m,y}` (N < 10,000) counted back from now, else None."""
    match = _RELATIVE_RE.match(value.strip())
    if not match or int(match["n"]) >= 10_000:
        return None
    n, unit, moment = int(match["n"]), match["unit"], now or datetime.now(UTC)
    deltas = {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}
    if unit in deltas:
        return moment - deltas[unit]
    if unit in ("m", "y"):
        return _minus_months(moment, n if unit == "m" else 12 * n)
    return None


def parse_date(value: Any) -> datetime | None:
    """An aware datetime from an ISO string, a bare year, a date or a Unix timestamp."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=UTC) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    return _parse_date_text(value.strip())


def _parse_date_text(text: str) -> datetime | None:
    if text.upper().endswith(" UTC"):
        text = text[:-4] + "+00:00"
    if re.fullmatch(r"\d{4}", text):
        today = datetime.now(UTC)
        return today.replace(
            year=int(text), day=min(today.day, _month_days(int(text), today.month))
        )
    text = re.sub(r" ([+-]\d{2}:\d{2})$", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _dates(op: str, expected: Any, actual: Any) -> bool:
    want = relative_date(str(expected)) or parse_date(str(expected))
    got = parse_date(actual)
    if want is None or got is None:
        return False
    if op == "is_date_before":
        return got < want
    if op == "is_date_after":
        return got > want
    return got.date() == want.date()


def parse_semver(value: Any) -> tuple[int, int, int]:
    """(major, minor, patch): strip v/whitespace and -pre/+build, pad with 0, no leading zeros."""
    text = str(value).strip().lstrip("vV").split("-")[0].split("+")[0]
    parts = text.split(".")
    if not parts[0]:
        raise ValueError("invalid semver")
    nums = [_semver_part(p) for p in parts[:3] if p != ""] + [0, 0, 0]
    if len(parts) > 3 and parts[3] != "":
        _semver_part(parts[3])
    return nums[0], nums[1], nums[2]


def _semver_part(part: str) -> int:
    if not part.isdigit() or (len(part) > 1 and part[0] == "0"):
        raise ValueError("invalid semver part")
    return int(part)


def semver_bounds(op: str, value: Any) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Half-open [lower, upper) for ~, ^ and wildcard filters."""
    if op == "semver_wildcard":
        parts = [p for p in str(value).strip().lstrip("vV").split(".") if p not in ("*", "x", "")]
        nums = [_semver_part(p) for p in parts]
        if not nums or len(nums) > 2:
            raise ValueError("invalid wildcard")
        if len(nums) == 1:
            return (nums[0], 0, 0), (nums[0] + 1, 0, 0)
        return (nums[0], nums[1], 0), (nums[0], nums[1] + 1, 0)
    major, minor, patch = parse_semver(value)
    if op == "semver_tilde" or (op == "semver_caret" and major == 0 and minor > 0):
        return (major, minor, patch), (major, minor + 1, 0)
    if major > 0:
        return (major, minor, patch), (major + 1, 0, 0)
    return (0, 0, patch), (0, 0, patch + 1)


_SEMVER_CMP: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    "semver_eq": lambda a, b: a == b,
    "semver_neq": lambda a, b: a != b,
    "semver_gt": lambda a, b: a > b,
    "semver_gte": lambda a, b: a >= b,
    "semver_lt": lambda a, b: a < b,
    "semver_lte": lambda a, b: a <= b,
}


def _semver(op: str, expected: Any, actual: Any) -> bool:
    try:
        got = parse_semver(actual)
        if op in SEMVER_RANGE:
            low, high = semver_bounds(op, expected)
            return low <= got < high
        return _SEMVER_CMP[op](got, parse_semver(expected))
    except (ValueError, TypeError):
        return False


def _scalar(op: str, expected: Any, actual: Any) -> bool:
    if op in TEXT_ALL:
        return _text(op, expected, actual)
    if actual is None:
        return False
    if op in REGEX:
        return _regex(op, expected, actual)
    if op in DATES:
        return _dates(op, expected, actual)
    return _semver(op, expected, actual)


def match_property(prop: dict[str, Any], values: dict[str, Any], matching_version: int = 1) -> bool:
    """Whether one property filter matches the given properties (server semantics)."""
    op = prop.get("operator") or "exact"
    key = prop.get("key")
    if op not in PROPERTY_OPERATORS:
        return False
    if key not in values:
        return op == "is_not_set"
    if op in ("is_set", "is_not_set"):
        return op == "is_set"
    actual, expected = values[key], prop.get("value")
    if op in NUMERIC:
        return _numeric(op, expected, actual)
    if op in ("exact", "is_not"):
        if actual is None:
            return op == "is_not"
        hit = _exact(expected, actual, matching_version)
        return hit if op == "exact" else not hit
    return _scalar(op, expected, actual)


Matcher = Callable[[dict[str, Any]], bool]
_ABSENT = object()
_NUMERIC_CMP: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda got, want: got > want,
    "gte": lambda got, want: got >= want,
    "lt": lambda got, want: got < want,
    "lte": lambda got, want: got <= want,
}


def _never(_values: dict[str, Any]) -> bool:
    return False


def compile_property(prop: dict[str, Any]) -> Matcher:
    """`match_property(prop, values)` as a function of `values`, with the filter's side
    (operator dispatch, expected value parsing, lower-casing, regex compiling) done once.

    Gives the same answer as `match_property` for every `values`, and raises where it
    raises. A filter whose key or operator is not hashable raises TypeError here (the
    caller then keeps the general path, which reports it per flag).
    """
    op = prop.get("operator") or "exact"
    key = prop.get("key")
    hash(key)
    hash(op)
    if op not in PROPERTY_OPERATORS:
        return _never
    if op in ("is_set", "is_not_set"):
        wanted = op == "is_set"
        return lambda values: (key in values) is wanted
    expected = prop.get("value")
    if op in NUMERIC:
        return _compile_numeric(key, op, expected)
    if op in ("exact", "is_not"):
        return _compile_exact(key, op, expected)
    if op in TEXT_ALL:
        return _compile_text(key, op, expected)
    if op in REGEX:
        return _compile_regex(key, op, expected)
    if op in DATES:
        return lambda values: _present(values, key, lambda a: _dates(op, expected, a))
    return _compile_semver(key, op, expected)


def _present(values: dict[str, Any], key: Any, test: Callable[[Any], bool]) -> bool:
    """A missing key or a None value matches nothing; otherwise `test(value)`."""
    actual = values.get(key, _ABSENT)
    if actual is _ABSENT or actual is None:
        return False
    return test(actual)


def _compile_numeric(key: Any, op: str, expected: Any) -> Matcher:
    want, compare = number(expected), _NUMERIC_CMP[op]
    if want is None:
        return _never

    def numeric(values: dict[str, Any]) -> bool:
        actual = values.get(key, _ABSENT)
        if actual is _ABSENT:
            return False
        got = number(actual)
        return got is not None and compare(got, want)

    return numeric


def _compile_exact(key: Any, op: str, expected: Any) -> Matcher:
    hit_means = op == "exact"
    if expected == []:
        test: Callable[[Any], bool] = _truthy
    elif _is_boolish(expected):  # matching version 1, the default of match_property
        want = _truthy(expected)

        def test(actual: Any) -> bool:
            return _truthy(actual) == want

    else:
        candidates = expected if isinstance(expected, list) else [expected]
        texts = frozenset(to_text(c).lower() for c in candidates)

        def test(actual: Any) -> bool:
            return to_text(actual).lower() in texts

    def exact(values: dict[str, Any]) -> bool:
        actual = values.get(key, _ABSENT)
        if actual is _ABSENT:
            return False
        if actual is None:
            return not hit_means
        return test(actual) is hit_means

    return exact


def _compile_text(key: Any, op: str, expected: Any) -> Matcher:
    want = to_text(expected).translate(_LOWER)
    negate = op.startswith("not_")
    if op.endswith("icontains"):
        hit: Callable[[str], bool] = lambda got: want in got  # noqa: E731
    elif op.endswith("starts_with"):
        hit = lambda got: got.startswith(want)  # noqa: E731
    else:
        hit = lambda got: got.endswith(want)  # noqa: E731

    def text(values: dict[str, Any]) -> bool:
        actual = values.get(key, _ABSENT)
        if actual is _ABSENT:
            return False
        return hit(to_text(actual).translate(_LOWER)) is not negate

    return text


def _compile_regex(key: Any, op: str, expected: Any) -> Matcher:
    text = to_text(expected)
    pattern = compile_regex(text)
    if pattern is None:
        return _never
    guarded, negate = guarded_regex(text), op == "not_regex"

    def regex(values: dict[str, Any]) -> bool:
        actual = values.get(key, _ABSENT)
        if actual is _ABSENT or actual is None:
            return False
        subject = to_text(actual)[:MAX_REGEX_INPUT]
        if guarded is None:
            hit = pattern.search(subject) is not None
        else:
            try:
                hit = guarded.search(subject, timeout=REGEX_TIMEOUT_SECONDS) is not None
            except TimeoutError:
                return False
        return hit is not negate

    return regex


def _compile_semver(key: Any, op: str, expected: Any) -> Matcher:
    try:
        if op in SEMVER_RANGE:
            low, high = semver_bounds(op, expected)

            def within(got: tuple[int, int, int]) -> bool:
                return low <= got < high

            test = within
        else:
            want, compare = parse_semver(expected), _SEMVER_CMP[op]

            def test(got: tuple[int, int, int]) -> bool:
                return compare(got, want)

    except (ValueError, TypeError):
        return _never

    def semver(values: dict[str, Any]) -> bool:
        actual = values.get(key, _ABSENT)
        if actual is _ABSENT or actual is None:
            return False
        if isinstance(actual, str):
            got = _semver_of_text(actual)
            return got is not None and test(got)
        try:
            return test(parse_semver(actual))
        except (ValueError, TypeError):
            return False

    return semver


@lru_cache(maxsize=4096)
def _semver_of_text(text: str) -> tuple[int, int, int] | None:
    """parse_semver of a property value, None where it raises (one person's version is
    compared by several flags in one request, and app versions repeat across people)."""
    try:
        return parse_semver(text)
    except (ValueError, TypeError):
        return None
