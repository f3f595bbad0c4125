"""The flag engine: one pure function from definitions + a caller's context to results.

Order per flag (protocol.md 5.2): disabled, feature enrollment (super groups), holdout,
then condition sets OR'd in order. Every flag is evaluated independently; a failure marks
that flag `failed` instead of failing the request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from app.feature_flags.hashing import (
    bucket_hash,
    bucket_hash_bytes,
    holdout_variant,
    in_rollout,
    variant_for,
)
from app.feature_flags.matching import Matcher, compile_property, match_property

log = logging.getLogger(__name__)

DESCRIPTIONS = {
    "no_condition_match": "No matching condition set",
    "out_of_rollout_bound": "Out of rollout bound",
    "no_group_type": "No group type",
    "super_condition_value": "Super condition value",
    "holdout_condition_value": "Holdout condition value",
    "flag_disabled": "Feature flag is disabled",
    "missing_dependency": "Flag dependency is missing or cyclic",
    "evaluation_error": "Error while evaluating the flag",
}
_SCORES = {
    "out_of_rollout_bound": 3,
    "no_condition_match": 2,
    "no_group_type": 1,
    "flag_disabled": 0,
    "missing_dependency": -1,
}


@dataclass(frozen=True, slots=True)
class FlagResult:
    key: str
    enabled: bool
    variant: str | None
    reason: str
    condition_index: int | None = None
    failed: bool = False

    @property
    def value(self) -> bool | str:
        return self.variant if self.enabled and self.variant else self.enabled

    def description(self) -> str:
        if self.reason == "condition_match":
            return f"Matched condition set {(self.condition_index or 0) + 1}"
        return DESCRIPTIONS.get(self.reason, self.reason)


@dataclass
class Context:
    """Who the flags are evaluated for (person and group properties already merged)."""

    distinct_id: str
    person_properties: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    group_properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    hash_key_overrides: dict[str, str] = field(default_factory=dict)
    anon_distinct_id: str | None = None
    device_id: str | None = None
    static_cohort_ids: frozenset[int] = frozenset()


@dataclass
class Definitions:
    """A project's flags in local-evaluation shape, plus what evaluating them needs."""

    flags: list[dict[str, Any]]
    group_type_mapping: dict[str, str]
    cohorts: dict[str, dict[str, Any]]
    by_ref: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    plans: dict[str, _Plan] = field(default_factory=dict)
    # Response entries per flag outcome (app.feature_flags.responses), built on first use.
    entry_cache: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for flag in self.flags:
            self.by_ref[str(flag["key"])] = flag
            self.by_ref[str(flag["id"])] = flag
            self.by_key[flag["key"]] = flag
            plan = _plan(flag)
            if plan is not None:
                self.plans[str(flag["key"])] = plan


@dataclass(frozen=True)
class _Plan:
    """A flag that needs only person properties and the distinct id, prepared once per bundle.

    Evaluating it takes the same steps as the general path (`_Evaluator._conditions` for a
    flag without groups, holdout, super groups, variants or continuity), minus the lookups.
    """

    key: str
    early_exit: bool
    # (compiled person property filters, rollout threshold as a fraction or None for 100 %)
    conditions: tuple[tuple[tuple[Matcher, ...], float | None], ...]
    hash_prefix: bytes  # "<key>." in UTF-8: the bucketing hash input before the value
    # The results it can give, built once (FlagResult is immutable): per condition index
    # a match and an out-of-rollout result, and no match.
    matched: tuple[FlagResult, ...]
    out_of_rollout: tuple[FlagResult, ...]
    no_match: FlagResult


_PLAIN_PROPERTY_TYPES = (None, "person")


def _plan(flag: dict[str, Any]) -> _Plan | None:
    """The prepared form of a plain person-property flag, or None (general path)."""
    try:
        return _plan_or_none(flag)
    except (AttributeError, TypeError):  # malformed filters: the general path reports them
        return None


def _plan_or_none(flag: dict[str, Any]) -> _Plan | None:
    filters = flag.get("filters") or {}
    if (
        not flag.get("active", True)
        or flag.get("deleted")
        or flag.get("ensure_experience_continuity")
        or filters.get("super_groups")
        or filters.get("holdout")
        or filters.get("aggregation_group_type_index") is not None
        or filters.get("bucketing_identifier") == "device_id"
        or (filters.get("multivariate") or {}).get("variants")
    ):
        return None
    conditions = []
    for cond in filters.get("groups") or []:
        if cond.get("aggregation_group_type_index") is not None:
            return None
        props = tuple(cond.get("properties") or [])
        plain = (isinstance(p, dict) and p.get("type") in _PLAIN_PROPERTY_TYPES for p in props)
        if not all(plain):
            return None
        rollout = cond.get("rollout_percentage")
        try:
            threshold = None if rollout is None else float(rollout) / 100
        except (TypeError, ValueError):
            return None
        conditions.append((tuple(compile_property(p) for p in props), threshold))
    key = str(flag["key"])
    try:
        prefix = f"{key}.".encode()
    except UnicodeEncodeError:  # the general path reports it per request
        return None
    indexes = range(len(conditions))
    return _Plan(
        key,
        bool(filters.get("early_exit")),
        tuple(conditions),
        prefix,
        matched=tuple(FlagResult(key, True, None, "condition_match", i) for i in indexes),
        out_of_rollout=tuple(
            FlagResult(key, False, None, "out_of_rollout_bound", i) for i in indexes
        ),
        no_match=FlagResult(key, False, None, "no_condition_match"),
    )


class _Evaluator:
    def __init__(self, defs: Definitions, ctx: Context) -> None:
        self.defs, self.ctx = defs, ctx
        self.done: dict[str, FlagResult] = {}
        self.stack: set[str] = set()
        self.person = {"distinct_id": ctx.distinct_id, **ctx.person_properties}
        try:  # the planned flags' hash input after "<key>.", encoded once per request
            self.hash_value: bytes | None = ctx.distinct_id.encode()
        except UnicodeEncodeError:  # bucket_hash raises it again, per flag
            self.hash_value = None

    def flag(self, flag: dict[str, Any]) -> FlagResult:
        key = str(flag["key"])
        if key not in self.done:
            self.stack.add(key)
            try:
                self.done[key] = self._flag(flag)
            except Exception:  # one broken flag must not fail the others
                log.exception("flag %s failed to evaluate", key)
                self.done[key] = FlagResult(key, False, None, "evaluation_error", failed=True)
            finally:
                self.stack.discard(key)
        return self.done[key]

    def planned(self, plan: _Plan) -> FlagResult:
        """A prepared flag's result (the caller memoizes it and catches failures)."""
        person = self.person
        best: FlagResult | None = None
        for index, (matchers, threshold) in enumerate(plan.conditions):
            for match in matchers:
                if not match(person):
                    break
            else:
                if threshold is None or self._hash(plan) <= threshold:
                    return plan.matched[index]
                if plan.early_exit:
                    return plan.out_of_rollout[index]
                if best is None:
                    best = plan.out_of_rollout[index]
            # a condition whose properties do not match: no_condition_match never beats best
        return best or plan.no_match

    def _hash(self, plan: _Plan) -> float:
        """bucket_hash(plan.key, distinct id), from the encoded parts."""
        if self.hash_value is None:
            return bucket_hash(plan.key, self.ctx.distinct_id)
        return bucket_hash_bytes(plan.hash_prefix + self.hash_value)

    def _flag(self, flag: dict[str, Any]) -> FlagResult:
        plan = self.defs.plans.get(str(flag["key"]))
        if plan is not None and flag is self.defs.by_key.get(plan.key):
            return self.planned(plan)
        key, filters = str(flag["key"]), flag.get("filters") or {}
        if not flag.get("active", True) or flag.get("deleted"):
            return FlagResult(key, False, None, "flag_disabled")
        enrolled = self._super(flag, filters)
        if enrolled is not None:
            return enrolled
        hashing_value, group_missing = self._bucketing(
            flag, filters.get("aggregation_group_type_index")
        )
        if hashing_value is not None:
            held = holdout_variant(filters.get("holdout"), hashing_value)
            if held is not None:
                return FlagResult(key, True, held, "holdout_condition_value")
        return self._conditions(flag, filters, group_missing)

    def _super(self, flag: dict[str, Any], filters: dict[str, Any]) -> FlagResult | None:
        supers = filters.get("super_groups") or []
        if not supers:
            return None
        props = supers[0].get("properties") or []
        if not props or any(p.get("key") not in self.person for p in props):
            return None
        ok = all(match_property(p, self.person) for p in props)
        return FlagResult(str(flag["key"]), ok, None, "super_condition_value", 0)

    def _bucketing(self, flag: dict[str, Any], group_index: Any) -> tuple[str | None, bool]:
        """(hash key, whether the group needed for it is absent)."""
        ctx, filters = self.ctx, flag.get("filters") or {}
        if group_index is not None:
            name = self.defs.group_type_mapping.get(str(group_index))
            value = ctx.groups.get(name) if name else None
            return (str(value), False) if value is not None else (None, True)
        if filters.get("bucketing_identifier") == "device_id" and ctx.device_id:
            return ctx.device_id, False
        if flag.get("ensure_experience_continuity"):
            override = ctx.hash_key_overrides.get(str(flag["key"]))
            return override or ctx.anon_distinct_id or ctx.distinct_id, False
        return ctx.distinct_id, False

    def _conditions(
        self, flag: dict[str, Any], filters: dict[str, Any], missing: bool
    ) -> FlagResult:
        key = str(flag["key"])
        best = FlagResult(key, False, None, "no_group_type" if missing else "no_condition_match")
        for index, condition in enumerate(filters.get("groups") or []):
            outcome = self._condition(flag, filters, condition, index)
            if outcome.enabled:
                return outcome
            if _SCORES.get(outcome.reason, -2) > _SCORES.get(best.reason, -2):
                best = outcome
            if outcome.reason == "out_of_rollout_bound" and filters.get("early_exit"):
                return outcome
        return best

    def _condition(
        self, flag: dict[str, Any], filters: dict[str, Any], cond: dict[str, Any], index: int
    ) -> FlagResult:
        key = str(flag["key"])
        group_index = cond.get(
            "aggregation_group_type_index", filters.get("aggregation_group_type_index")
        )
        hashing_value, missing = self._bucketing(flag, group_index)
        if hashing_value is None:
            return FlagResult(
                key, False, None, "no_group_type" if missing else "no_condition_match"
            )
        props = self._properties_for(group_index)
        for prop in cond.get("properties") or []:
            if not self._match(prop, props):
                reason = (
                    "missing_dependency"
                    if prop.get("type") == "flag" and self._dep_missing(prop)
                    else "no_condition_match"
                )
                return FlagResult(key, False, None, reason, index)
        if not in_rollout(key, hashing_value, cond.get("rollout_percentage")):
            return FlagResult(key, False, None, "out_of_rollout_bound", index)
        return FlagResult(
            key, True, self._variant(key, filters, cond, hashing_value), "condition_match", index
        )

    def _variant(
        self, key: str, filters: dict[str, Any], cond: dict[str, Any], hv: str
    ) -> str | None:
        variants = (filters.get("multivariate") or {}).get("variants") or []
        wanted = cond.get("variant")
        if wanted and any(v.get("key") == wanted for v in variants):
            return str(wanted)
        return variant_for(key, hv, variants) if variants else None

    def _properties_for(self, group_index: Any) -> dict[str, Any]:
        if group_index is None:
            return self.person
        return self._group_props(group_index)

    def _group_props(self, group_index: Any) -> dict[str, Any]:
        name = self.defs.group_type_mapping.get(str(group_index), "")
        props = dict(self.ctx.group_properties.get(name) or {})
        if name in self.ctx.groups:
            props.setdefault("$group_key", self.ctx.groups[name])
        return props

    def _match(self, prop: dict[str, Any], props: dict[str, Any]) -> bool:
        kind = prop.get("type")
        if kind == "cohort":
            return self._cohort(prop)
        if kind == "flag":
            return self._dependency(prop)
        if kind == "group" and prop.get("group_type_index") is not None:
            return match_property(prop, self._group_props(prop["group_type_index"]))
        return match_property(prop, props)

    def _cohort(self, prop: dict[str, Any]) -> bool:
        cohort_id = str(prop.get("value"))
        group = self.defs.cohorts.get(cohort_id)
        if group is not None:
            hit = self._group(group)
        else:
            hit = cohort_id.isdigit() and int(cohort_id) in self.ctx.static_cohort_ids
        return not hit if prop.get("operator") == "not_in" else hit

    def _group(self, group: dict[str, Any]) -> bool:
        values = group.get("values") or []
        if not values:
            return True
        results = (self._group_value(v) for v in values)
        return all(results) if group.get("type") == "AND" else any(results)

    def _group_value(self, value: dict[str, Any]) -> bool:
        if "values" in value:
            return self._group(value)
        hit = self._match(value, self.person)
        return not hit if value.get("negation") else hit

    def _dep_missing(self, prop: dict[str, Any]) -> bool:
        dep = self.defs.by_ref.get(str(prop.get("key")))
        return dep is None or str(dep["key"]) in self.stack

    def _dependency(self, prop: dict[str, Any]) -> bool:
        if self._dep_missing(prop):
            return False
        result = self.flag(self.defs.by_ref[str(prop.get("key"))])
        expected = prop.get("value")
        if isinstance(expected, bool):
            return result.enabled == expected
        return result.enabled and result.variant == expected


def evaluate_all(defs: Definitions, ctx: Context, keys: set[str] | None = None) -> list[FlagResult]:
    """Results for every flag (or only `keys`), each evaluated at most once."""
    evaluator = _Evaluator(defs, ctx)
    plans, by_key, done = defs.plans, defs.by_key, evaluator.done
    results = []
    for flag in defs.flags:
        raw_key = flag["key"]
        if keys is not None and raw_key not in keys:
            continue
        key = str(raw_key)
        result = done.get(key)
        if result is None:
            plan = plans.get(key)
            if plan is not None and flag is by_key.get(plan.key):
                # `evaluator.flag` inlined for prepared flags: they depend on no other flag,
                # so they never need the dependency stack.
                try:
                    result = evaluator.planned(plan)
                except Exception:  # one broken flag must not fail the others
                    log.exception("flag %s failed to evaluate", key)
                    result = FlagResult(key, False, None, "evaluation_error", failed=True)
                done[key] = result
            else:
                result = evaluator.flag(flag)
        results.append(result)
    return results


def payload_for(flag: dict[str, Any], result: FlagResult) -> Any:
    """The stored JSON-string payload for the value the caller got, if any."""
    if not result.enabled:
        return None
    payloads = (flag.get("filters") or {}).get("payloads") or {}
    return payloads.get(result.variant or "true")
