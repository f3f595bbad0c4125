"""Prepared (per-bundle) evaluation of plain person-property flags equals the general path."""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.feature_flags.evaluate import Context, Definitions, FlagResult, evaluate_all
from app.feature_flags.matching import PROPERTY_OPERATORS, compile_property, match_property

PROPS: list[list[dict[str, Any]]] = [
    [],
    [{"key": "email", "operator": "icontains", "value": "acme", "type": "person"}],
    [{"key": "plan", "value": ["pro"], "type": "person"}],
    [{"key": "plan", "value": "pro"}],  # no type: a person property
    [{"key": "age", "operator": "gt", "value": 30, "type": "person"}],
    [{"key": "age", "operator": "lte", "value": "not a number", "type": "person"}],
    [{"key": "app_version", "operator": "semver_gte", "value": "1.5.0", "type": "person"}],
    [{"key": "app_version", "operator": "semver_caret", "value": "1.2", "type": "person"}],
    [{"key": "email", "operator": "regex", "value": r"^u\d+@acme", "type": "person"}],
    [{"key": "email", "operator": "regex", "value": "(unclosed", "type": "person"}],
    [{"key": "email", "operator": "is_not_set", "type": "person"}],
    [{"key": "missing", "operator": "is_set", "type": "person"}],
    [{"key": "beta", "value": ["true"], "type": "person"}],
    [{"key": "distinct_id", "operator": "starts_with", "value": "user1", "type": "person"}],
    [
        {"key": "plan", "value": ["pro"], "type": "person"},
        {"key": "age", "operator": "lt", "value": 60, "type": "person"},
    ],
    [{"key": "plan", "operator": "no_such_operator", "value": "x", "type": "person"}],
]
_MISSING = object()
ROLLOUTS: list[Any] = [None, 0, 5, 33.3, 50, 100, "40"]


def _random_flags(rng: random.Random, count: int) -> list[dict[str, Any]]:
    flags = []
    for i in range(count):
        groups = [
            {"properties": rng.choice(PROPS), "rollout_percentage": rng.choice(ROLLOUTS)}
            for _ in range(rng.choice([0, 1, 1, 2, 3]))
        ]
        filters: dict[str, Any] = {"groups": groups}
        if rng.random() < 0.3:
            filters["early_exit"] = True
        flags.append(
            {"id": i + 1, "key": f"f{i}", "active": True, "version": 1, "filters": filters}
        )
    return flags


def _person(rng: random.Random, i: int) -> dict[str, Any]:
    props: dict[str, Any] = {
        "email": f"u{i}@{rng.choice(['acme', 'other'])}.com",
        "plan": rng.choice(["free", "pro", "PRO", None, 3]),
        "age": rng.choice([10, 45, "70", None, True]),
        "app_version": rng.choice(["1.0.0", "1.6.2", "v1.2.9", "2", "bad", None]),
        "beta": rng.choice([True, False, "true", "no"]),
    }
    return {k: v for k, v in props.items() if rng.random() < 0.85}


def _summary(results: list[FlagResult]) -> list[tuple[Any, ...]]:
    return [(r.key, r.enabled, r.variant, r.reason, r.condition_index, r.failed) for r in results]


def test_prepared_path_matches_the_general_path() -> None:
    rng = random.Random(5)
    flags = _random_flags(rng, 300)
    prepared = Definitions(flags=flags, group_type_mapping={}, cohorts={})
    general = Definitions(flags=flags, group_type_mapping={}, cohorts={})
    general.plans.clear()  # every flag through the general evaluator
    assert len(prepared.plans) == len(flags)
    for i in range(300):
        ctx = Context(distinct_id=f"user{i}", person_properties=_person(rng, i))
        assert _summary(evaluate_all(prepared, ctx)) == _summary(evaluate_all(general, ctx))


def test_flags_needing_more_than_person_properties_take_the_general_path() -> None:
    person = {"properties": [{"key": "plan", "value": "pro", "type": "person"}]}
    special = [
        {"active": False, "filters": {"groups": [person]}},
        {"deleted": True, "filters": {"groups": [person]}},
        {"ensure_experience_continuity": True, "filters": {"groups": [person]}},
        {"filters": {"groups": [person], "aggregation_group_type_index": 0}},
        {"filters": {"groups": [{**person, "aggregation_group_type_index": 0}]}},
        {"filters": {"groups": [person], "holdout": {"id": 1, "exclusion_percentage": 10}}},
        {"filters": {"groups": [person], "super_groups": [person]}},
        {"filters": {"groups": [person], "bucketing_identifier": "device_id"}},
        {"filters": {"groups": [person], "multivariate": {"variants": [{"key": "a"}]}}},
        {"filters": {"groups": [{"properties": [{"key": "1", "type": "cohort", "value": 1}]}]}},
        {"filters": {"groups": [{"properties": [{"key": "x", "type": "flag", "value": True}]}]}},
        {"filters": {"groups": [{"properties": [{"key": "x", "type": "group"}]}]}},
        {"filters": {"groups": [{"properties": ["not a dict"]}]}},
        {"filters": {"groups": [{**person, "rollout_percentage": "abc"}]}},
        {"filters": ["not", "a", "dict"]},
    ]
    flags = [{"id": i, "key": f"s{i}", "version": 1, **f} for i, f in enumerate(special)]
    defs = Definitions(flags=flags, group_type_mapping={"0": "company"}, cohorts={})
    assert defs.plans == {}
    results = evaluate_all(defs, Context(distinct_id="d", person_properties={"plan": "pro"}))
    assert [r.key for r in results] == [f["key"] for f in flags]
    assert results[-1].failed and results[-2].failed  # malformed: still one failed flag each


EXPECTED: list[Any] = [
    "pro", "PRO", ["pro", "free"], [], ["true"], "true", True, False, 3, "3", 2.5, None,
    "1.5.0", "v1.2", "1.2.*", "bad", "0.0.3", "^u\\d+@acme", "(unclosed", "(a+)+$", "acme",
    "2024-01-01", "-7d", {"a": 1}, "ÄBC", "",
]  # fmt: skip
ACTUAL: list[Any] = [
    "pro", "Pro", "free", "", None, True, False, "true", "FALSE", 3, 3.0, "3", "10", 2.5,
    "1.6.2", "v1.2.9", "1.2", "01.2.3", "u12@acme.com", "aaaaaaaaaaaaaaaaaaaaaaaaa!",
    "2023-12-31T10:00:00Z", "2024-01-01", ["pro"], {"a": 1}, "äbc", float("inf"),
]  # fmt: skip


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # the same exception type counts as the same answer
        return type(exc)


def test_compiled_property_filters_match_match_property() -> None:
    """Every operator, expected value and stored value: the compiled filter answers (or
    raises) exactly like match_property, including a missing key."""
    operators = sorted(PROPERTY_OPERATORS) + [None, "no_such_operator"]
    for op in operators:
        for expected in EXPECTED:
            prop = {"key": "k", "value": expected, "type": "person"}
            if op is not None:
                prop["operator"] = op
            matcher = compile_property(prop)
            for actual in [*ACTUAL, _MISSING]:
                values = {} if actual is _MISSING else {"k": actual, "other": 1}
                want = _outcome(match_property, prop, values)
                assert _outcome(matcher, values) == want, (op, expected, actual)


def test_unhashable_filters_are_left_to_the_general_path() -> None:
    for prop in ({"key": ["k"], "value": 1}, {"key": "k", "operator": ["exact"], "value": 1}):
        with pytest.raises(TypeError):
            compile_property(prop)
    defs = Definitions(
        flags=[{"id": 1, "key": "f", "version": 1, "filters": {"groups": [{"properties": [
            {"key": ["k"], "value": 1}]}]}}],
        group_type_mapping={}, cohorts={},
    )  # fmt: skip
    assert defs.plans == {}
    (result,) = evaluate_all(defs, Context(distinct_id="d", person_properties={"k": 1}))
    assert result.failed and result.reason == "evaluation_error"


def test_distinct_ids_that_cannot_be_encoded_fail_like_the_general_path() -> None:
    flags = [
        {"id": 1, "key": "f", "version": 1, "filters": {"groups": [{"rollout_percentage": 50}]}}
    ]
    prepared = Definitions(flags=flags, group_type_mapping={}, cohorts={})
    general = Definitions(flags=flags, group_type_mapping={}, cohorts={})
    general.plans.clear()
    for distinct_id in ("\ud800", "ok-é", ""):
        ctx = Context(distinct_id=distinct_id)
        assert _summary(evaluate_all(prepared, ctx)) == _summary(evaluate_all(general, ctx))
