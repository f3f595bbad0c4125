"""The engine alone: hash vectors, evaluation order, and every operator edge case (5.3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.feature_flags.evaluate import Context, Definitions, evaluate_all
from app.feature_flags.hashing import bucket_hash
from app.feature_flags.matching import match_property, relative_date
from tests.flags import vectors


def _defs(*flags: dict[str, Any], mapping: dict[str, str] | None = None) -> Definitions:
    out = [{"id": i + 1, "active": True, "version": 1, **f} for i, f in enumerate(flags)]
    return Definitions(flags=out, group_type_mapping=mapping or {}, cohorts={})


def _eval(defs: Definitions, distinct_id: str, **ctx: Any) -> dict[str, Any]:
    return {r.key: r for r in evaluate_all(defs, Context(distinct_id=distinct_id, **ctx))}


def test_published_hashes() -> None:
    assert round(bucket_hash("simple-flag", "distinct_id_0"), 6) == 0.783696
    assert round(bucket_hash("simple-flag", "distinct_id_1"), 6) == 0.339707
    assert round(bucket_hash("multivariate-flag", "distinct_id_0", salt="variant"), 6) == 0.618645


def test_consistency_vectors_all_1000() -> None:
    defs = _defs(vectors.simple_flag(), vectors.multivariate_flag())
    simple, multi = {}, {}
    for i in range(1000):
        res = _eval(defs, f"distinct_id_{i}")
        simple[i] = res["simple-flag"].value
        multi[i] = res["multivariate-flag"].value
    vectors.check_simple(simple)
    vectors.check_multi(multi)


def test_holdout_vector_and_bounds() -> None:
    def held(pct: float, rollout: int = 0) -> set[str]:
        flag = {
            "key": "experiment-flag",
            "filters": {
                "groups": [{"properties": [], "rollout_percentage": rollout}],
                "holdout": {"id": 727, "exclusion_percentage": pct},
            },
        }
        defs = _defs(flag)
        out = set()
        for i in range(1, 21):
            r = _eval(defs, f"user_{i}")["experiment-flag"]
            if r.variant == "holdout-727":
                assert r.enabled and r.reason == "holdout_condition_value"
                out.add(f"user_{i}")
        return out

    assert held(20) == vectors.HOLDOUT_USERS
    assert len(held(100)) == 20
    assert held(0) == set()


def test_group_flag_vector() -> None:
    flag = {
        "key": "group-flag",
        "filters": {
            "aggregation_group_type_index": 0,
            "groups": [
                {
                    "properties": [
                        {
                            "key": "name",
                            "value": ["Project Name 1"],
                            "operator": "exact",
                            "type": "group",
                            "group_type_index": 0,
                        }
                    ],
                    "rollout_percentage": 35,
                }
            ],
        },
    }
    defs = _defs(flag, mapping={"0": "company"})
    props = {"company": {"name": "Project Name 1"}}
    assert (
        _eval(defs, "u", groups={"company": "amazon_without_rollout"}, group_properties=props)[
            "group-flag"
        ].enabled
        is True
    )
    out = _eval(defs, "u", groups={"company": "amazon"}, group_properties=props)["group-flag"]
    assert (out.enabled, out.reason) == (False, "out_of_rollout_bound")
    none = _eval(defs, "u")["group-flag"]
    assert (none.enabled, none.reason) == (False, "no_group_type")


def m(op: str, value: Any, actual: Any, key: str = "k") -> bool:
    return match_property({"key": "k", "operator": op, "value": value}, {key: actual})


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("regex", r"\.com$", "value.com", True),
        ("regex", r"\.com$", "valuecom", False),
        ("regex", "3", 323, True),
        ("regex", "?*", "anything", False),
        ("not_regex", "?*", "anything", False),
        ("regex", "", "x", True),
        ("gt", 1, "23", True),
        ("lt", "30", "100", False),
        ("gt", 1, "abc", False),
        ("lte", "5", 5, True),
        ("semver_tilde", "1.2.3", "1.2.99", True),
        ("semver_tilde", "1.2.3", "1.3.0", False),
        ("semver_caret", "1.2.3", "1.99.99", True),
        ("semver_caret", "0.2.3", "0.3.0", False),
        ("semver_caret", "0.0.3", "0.0.3", True),
        ("semver_eq", "1.2.3", "1.2.3-alpha.1", True),
        ("semver_eq", "1.2", "v1.2.0", True),
        ("semver_gt", "1.2.3", "01.2.4", False),
        ("semver_wildcard", "1.*", "1.9.9", True),
        ("semver_wildcard", "1.2.*", "1.3.0", False),
        ("exact", ["FREE", "PRO"], "pro", True),
        ("exact", False, "banana", True),
        ("exact", [], True, True),
        ("exact", "x", None, False),
        ("is_not", "x", None, True),
        ("is_not", ["a", "b"], "c", True),
        ("exact", [1, 2], [1, 2], False),
        ("exact", "[1,2]", [1, 2], True),
        ("exact", "323.0", 323.0, True),
        ("exact", "true", True, True),
        ("is_set", "", None, True),
        ("is_set", "", "", True),
        ("icontains", "OO", "fOo", True),
        ("not_icontains", "oo", "foo", False),
        ("starts_with", "AB", "abc", True),
        ("ends_with", "BC", "abc", True),
        ("not_ends_with", "x", "abc", True),
        ("is_date_before", "2024-01-02", "2024-01-01T23:00:00Z", True),
        ("is_date_after", "2024-01-02 UTC", "2024-01-01", False),
        ("is_date_after", "-1d", datetime.now(UTC).isoformat(), True),
        ("is_date_before", "-1y", "2000-01-01", True),
        ("is_date_before", "2024-01-01", "not a date", False),
        ("bogus_operator", "x", "x", False),
    ],
)
def test_operators(op: str, value: Any, actual: Any, expected: bool) -> None:
    assert m(op, value, actual) is expected


def test_missing_property_is_no_match_except_is_not_set() -> None:
    for op in ("exact", "is_not", "icontains", "gt", "regex", "is_set", "semver_eq"):
        assert match_property({"key": "k", "operator": op, "value": "1"}, {}) is False
    assert match_property({"key": "k", "operator": "is_not_set"}, {}) is True
    assert match_property({"key": "k", "operator": "is_not_set"}, {"k": None}) is False


def test_relative_dates_subtract_calendar_months() -> None:
    now = datetime(2025, 3, 31, 12, tzinfo=UTC)
    assert relative_date("2m", now) == datetime(2025, 1, 28, 12, tzinfo=UTC)
    assert relative_date("1y", datetime(2024, 2, 29, tzinfo=UTC)) == datetime(
        2023, 2, 28, tzinfo=UTC
    )
    assert relative_date("1m", now) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert relative_date("10000d", now) is None
    assert relative_date("-3h", now) == datetime(2025, 3, 31, 9, tzinfo=UTC)
