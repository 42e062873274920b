"""LIKE patterns with DuckDB's rules, compiled to a Python matcher and to portable SQL.

DuckDB semantics: ``%`` matches any run of characters (newlines included), ``_`` exactly one
character; there is no escape character unless ``ESCAPE 'c'`` names one (``ESCAPE ''`` means
none). The escape character makes the next character literal, whatever it is (even ``%`` when
``c`` is ``%``); a pattern may not end with it. Spark differs (``\\`` escapes by default and may
only precede ``%``, ``_`` or itself), so the SQL side always emits a canonical pattern that
escapes with ``\\`` exactly those three characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

ANY = "%"
ONE = "_"
LIT = "lit"
SQL_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class LikePattern:
    """A tokenised LIKE pattern.

    Attributes:
        parts: ``("%", "")``, ``("_", "")`` or ``("lit", text)`` tokens; adjacent literals are
            merged and runs of ``%`` collapsed.
    """

    parts: tuple[tuple[str, str], ...]

    def lowered(self) -> LikePattern:
        """The pattern with its literal text lower-cased (for ILIKE)."""
        return LikePattern(tuple((k, t.lower()) for k, t in self.parts))

    def sql(self) -> tuple[str, bool]:
        """Canonical SQL pattern text and whether it needs ``ESCAPE '\\'``."""
        out: list[str] = []
        escaped = False
        for kind, text in self.parts:
            if kind != LIT:
                out.append(kind)
                continue
            for ch in text:
                if ch in (ANY, ONE, SQL_ESCAPE):
                    out.append(SQL_ESCAPE)
                    escaped = True
                out.append(ch)
        return "".join(out), escaped


def parse_like(pattern: str, escape: str | None) -> LikePattern:
    """Tokenise ``pattern`` with escape character ``escape`` (None or '' for none).

    Raises:
        ValueError: The escape is longer than one character, or the pattern ends with it; the
            second argument of the error is the offending offset within the pattern.
    """
    if escape is not None and len(escape) > 1:
        raise ValueError("ESCAPE must be empty or a single character", 0)
    esc = escape or None
    parts: list[tuple[str, str]] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            parts.append((LIT, "".join(literal)))
            literal.clear()

    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == esc:
            if i + 1 == len(pattern):
                raise ValueError("LIKE pattern must not end with the escape character", i)
            literal.append(pattern[i + 1])
            i += 2
            continue
        if ch in (ANY, ONE):
            flush()
            if not (ch == ANY and parts and parts[-1][0] == ANY):
                parts.append((ch, ""))
        else:
            literal.append(ch)
        i += 1
    flush()
    return LikePattern(tuple(parts))


def shape(pattern: LikePattern) -> tuple[str, str]:
    """The pattern's shape: ``eq``, ``prefix``, ``suffix``, ``contains`` or ``any`` with its
    literal text, else ``regex`` with an equivalent Python regular expression."""
    kinds = tuple(k for k, _ in pattern.parts)
    texts = [t for _, t in pattern.parts]
    if kinds in ((), (LIT,)):
        return "eq", "".join(texts)
    if kinds == (ANY,):
        return "any", ""
    if kinds == (LIT, ANY):
        return "prefix", texts[0]
    if kinds == (ANY, LIT):
        return "suffix", texts[1]
    if kinds == (ANY, LIT, ANY):
        return "contains", texts[1]
    regex = "".join(
        ".*" if k == ANY else "." if k == ONE else re.escape(t) for k, t in pattern.parts
    )
    return "regex", regex


def matcher(pattern: LikePattern) -> Callable[[str], bool]:
    """A function telling whether a (non-NULL) string matches the whole pattern."""
    kind, text = shape(pattern)
    if kind == "eq":
        return lambda s: s == text
    if kind == "any":
        return lambda s: True
    if kind == "prefix":
        return lambda s: s.startswith(text)
    if kind == "suffix":
        return lambda s: s.endswith(text)
    if kind == "contains":
        return lambda s: text in s
    fullmatch = re.compile(text, re.DOTALL).fullmatch
    return lambda s: fullmatch(s) is not None
