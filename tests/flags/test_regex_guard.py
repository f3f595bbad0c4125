"""The `regex` operator bounds catastrophic backtracking (protocol.md 5.3) without changing
the answer for patterns that finish."""

from __future__ import annotations

import re
import time

import pytest

from app.feature_flags.matching import guarded_regex, match_property

RISKY = [r"(a+)+$", r"(a|aa)+$", r"\d+\d+$", r"(\w)\1", r"(x+x+)+y", r"^(\w+\s?)*$"]
PLAIN = [r"^u\d+@acme", "abc", "a*b", r"(?:ab)+", "", r"[a-z]{2,5}\.com$"]
SUBJECTS = ["", "aaaa", "aab", "u12@acme.com", "abab", "xxxy", "hello world", "a1 22", "zz.com"]


def _regex(pattern: str, value: str, op: str = "regex") -> bool:
    return match_property({"key": "v", "operator": op, "value": pattern}, {"v": value})


@pytest.mark.parametrize("pattern", RISKY)
def test_risky_patterns_are_guarded(pattern: str) -> None:
    assert guarded_regex(pattern) is not None


@pytest.mark.parametrize("pattern", PLAIN)
def test_plain_patterns_use_re_directly(pattern: str) -> None:
    assert guarded_regex(pattern) is None


@pytest.mark.parametrize("pattern", RISKY + PLAIN)
def test_answers_equal_re_when_the_search_finishes(pattern: str) -> None:
    for subject in SUBJECTS:
        expected = re.search(pattern, subject) is not None
        assert _regex(pattern, subject) is expected
        assert _regex(pattern, subject, "not_regex") is (not expected)


def test_catastrophic_backtracking_ends_as_no_match_for_both_operators() -> None:
    subject = "a" * 5000 + "!"
    started = time.monotonic()
    assert _regex(r"(a|aa)+$", subject) is False
    assert _regex(r"(a|aa)+$", subject, "not_regex") is False
    assert time.monotonic() - started < 5  # unguarded, `re` would not finish this search


def test_invalid_patterns_still_match_nothing() -> None:
    assert _regex("(unclosed", "anything") is False
    assert _regex("(unclosed", "anything", "not_regex") is False
