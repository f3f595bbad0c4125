"""The published cross-SDK consistency vectors (protocol.md 5.4) as flag definitions."""

from __future__ import annotations

from typing import Any

SIMPLE_FIRST_40 = "FTTFTFFTFTFTTFTFFFTTFTFFTFTTFFFTTTTFFFFF"
MULTI_FIRST_40 = "221--21---13-121--41-3---1111113-321-3--"
VARIANTS = ["first-variant", "second-variant", "third-variant", "fourth-variant", "fifth-variant"]
SIMPLE_SPOT = {100: True, 250: False, 500: False, 777: True, 999: True}
MULTI_SPOT = {
    100: "third-variant",
    250: "first-variant",
    500: "second-variant",
    777: False,
    999: "first-variant",
}
MULTI_COUNTS = {
    False: 444,
    "first-variant": 290,
    "second-variant": 110,
    "third-variant": 111,
    "fourth-variant": 24,
    "fifth-variant": 21,
}
HOLDOUT_USERS = {"user_5", "user_6", "user_14", "user_15"}


def simple_flag() -> dict[str, Any]:
    return {
        "key": "simple-flag",
        "filters": {"groups": [{"properties": [], "rollout_percentage": 45}]},
    }


def multivariate_flag() -> dict[str, Any]:
    pcts = [50, 20, 20, 5, 5]
    return {
        "key": "multivariate-flag",
        "filters": {
            "groups": [{"properties": [], "rollout_percentage": 55}],
            "multivariate": {
                "variants": [
                    {"key": k, "name": k, "rollout_percentage": p}
                    for k, p in zip(VARIANTS, pcts, strict=True)
                ]
            },
        },
    }


def expected_simple(i: int) -> bool | None:
    if i < 40:
        return SIMPLE_FIRST_40[i] == "T"
    return SIMPLE_SPOT.get(i)


def expected_multi(i: int) -> str | bool | None:
    if i < 40:
        c = MULTI_FIRST_40[i]
        return False if c == "-" else VARIANTS[int(c) - 1]
    return MULTI_SPOT.get(i)


def check_simple(values: dict[int, Any]) -> None:
    """All 1000 ids: the published first 40, spot checks and the 446 total."""
    assert sum(1 for v in values.values() if v is True) == 446
    for i, v in values.items():
        want = expected_simple(i)
        if want is not None:
            assert v is want, (i, v)


def check_multi(values: dict[int, Any]) -> None:
    counts: dict[Any, int] = {}
    for v in values.values():
        counts[v] = counts.get(v, 0) + 1
    assert counts == MULTI_COUNTS
    for i, v in values.items():
        want = expected_multi(i)
        if want is not None:
            assert v == want, (i, v)
