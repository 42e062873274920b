"""LIKE: the Python matcher agrees with DuckDB's LIKE and never backtracks."""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icrms.profiles.rules import compile_python
from icrms.profiles.rules.like import matcher, parse_like

ALPHABET = "ab%_\\!é\n"
TEXTS = st.text(alphabet="abé\n%_\\!", max_size=12)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pattern=st.text(alphabet=ALPHABET, max_size=8),
    escape=st.sampled_from([None, "\\", "!", "%", "_", "a"]),
    texts=st.lists(TEXTS, min_size=1, max_size=6),
)
def test_python_like_agrees_with_duckdb(
    con: duckdb.DuckDBPyConnection, pattern: str, escape: str | None, texts: list[str]
) -> None:
    try:
        parsed = parse_like(pattern, escape)
    except ValueError:
        return  # refused (ends with the escape character)
    match = matcher(parsed)
    for text in texts:
        if escape is None:
            expected = con.execute("SELECT ? LIKE ?", [text, pattern]).fetchone()
        else:
            expected = con.execute("SELECT ? LIKE ? ESCAPE ?", [text, pattern, escape]).fetchone()
        assert expected is not None
        assert match(text) is expected[0], (text, pattern, escape)


class Counted(str):
    """A string counting the search calls made on it."""

    calls = 0

    def find(self, *args: Any) -> int:  # type: ignore[override]
        Counted.calls += 1
        return super().find(*args)

    def startswith(self, *args: Any) -> bool:  # type: ignore[override]
        Counted.calls += 1
        return super().startswith(*args)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("%lithium%ion%batter%", "lithium " * 5000 + "ion"),  # the issue's 40 KB description
        ("%a%a%a%a%a%a%a%a%a%a%a%b", "a" * 60),  # 12 segments, 60 characters
        ("%a_a_a_a_a_a%b%", "a" * 2000),
        ("%_%_%_%_%_%_%_%x", "y" * 3000),
    ],
)
def test_matching_makes_few_searches_and_no_regex(
    monkeypatch: pytest.MonkeyPatch, pattern: str, text: str
) -> None:
    def no_regex(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("LIKE must not be matched with a regular expression")

    monkeypatch.setattr(re, "compile", no_regex)
    monkeypatch.setattr(re, "fullmatch", no_regex)
    parsed = parse_like(pattern, None)
    segments = pattern.count("%") + 1
    Counted.calls = 0
    assert matcher(parsed)(Counted(text)) is False
    # each segment's candidates are found left to right, never revisited
    assert Counted.calls <= 2 * segments + 2 * len(text) * pattern.count("_") + 2 * segments


def test_a_long_description_against_the_issue_pattern_is_decided() -> None:
    predicate = compile_python("lower(description) LIKE '%lithium%ion%batter%'")
    assert predicate({"description": "Lithium " * 5000 + "ion"}, lambda *_: False) is False
    assert predicate({"description": "LITHIUM-ion BATTERY pack"}, lambda *_: False) is True
