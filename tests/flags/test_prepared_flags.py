"""Prepared (per-bundle) evaluation of plain person-property flags equals the general path."""

from __future__ import annotations

import random
from typing import Any

from app.feature_flags.evaluate import Context, Definitions, FlagResult, evaluate_all

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
