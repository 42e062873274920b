"""LIKE patterns with DuckDB's rules, compiled to a Python matcher and to portable SQL.

DuckDB semantics: ``%`` matches any run of characters (newlines included), ``_`` exactly one
character; there is no escape character unless ``ESCAPE 'c'`` names one (``ESCAPE ''`` means
none). The escape character makes the next character literal, whatever it is (even ``%`` when
``c`` is ``%``); a pattern may not end with it. Spark differs (``\\`` escapes by default and may
only precede ``%``, ``_`` or itself), so the SQL side always emits a canonical pattern that
escapes with ``\\`` exactly those three characters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from icrms.profiles.rules import case

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
        """The pattern with its literal text lower-cased as DuckDB's LOWER does (for ILIKE)."""
        return LikePattern(tuple((k, case.lower(t)) for k, t in self.parts))

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
    literal text, else ``general`` (matched segment by segment, see :func:`matcher`)."""
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
    return "general", ""


@dataclass(frozen=True, slots=True)
class _Segment:
    """A run of literal text and ``_`` between two ``%``: ``width`` characters, of which the
    literal ``pieces`` sit at their offsets (the rest are ``_``, any one character)."""

    width: int
    pieces: tuple[tuple[int, str], ...]

    def at(self, s: str, i: int) -> bool:
        """Whether the segment matches ``s`` at offset ``i`` (``i + width <= len(s)`` given)."""
        return all(s.startswith(text, i + off) for off, text in self.pieces)

    def find(self, s: str, start: int, stop: int) -> int:
        """The leftmost offset ``i >= start`` with ``i + width <= stop`` where it matches, or -1.

        Candidates come from ``str.find`` of the longest piece, so the cost is at most the
        text length times the number of pieces: no backtracking, whatever the pattern.
        """
        last = stop - self.width
        if last < start:
            return -1
        if not self.pieces:
            return start
        off, text = max(self.pieces, key=lambda piece: len(piece[1]))
        j = s.find(text, start + off, last + off + len(text))
        while j >= 0:
            if self.at(s, j - off):
                return j - off
            j = s.find(text, j + 1, last + off + len(text))
        return -1


def _segments(pattern: LikePattern) -> list[_Segment]:
    """The pattern split at every ``%`` (empty segments kept, so ``%`` at either end shows)."""
    out: list[_Segment] = []
    width, pieces = 0, list[tuple[int, str]]()
    for kind, text in pattern.parts:
        if kind == ANY:
            out.append(_Segment(width, tuple(pieces)))
            width, pieces = 0, list[tuple[int, str]]()
        elif kind == ONE:
            width += 1
        else:
            pieces.append((width, text))
            width += len(text)
    out.append(_Segment(width, tuple(pieces)))
    return out


def _general(pattern: LikePattern) -> Callable[[str], bool]:
    """Match without backtracking: the first segment anchored at the start, the last at the
    end, the ones between at their leftmost place (the earliest match of a segment always
    leaves the most room for the ones after it, so leftmost-first is exact)."""
    segments = _segments(pattern)
    if len(segments) == 1:
        only = segments[0]
        return lambda s: len(s) == only.width and only.at(s, 0)
    first, *middle, last = segments

    def match(s: str) -> bool:
        end = len(s) - last.width
        if end < first.width or not first.at(s, 0) or not last.at(s, end):
            return False
        pos = first.width
        for seg in middle:
            found = seg.find(s, pos, end)
            if found < 0:
                return False
            pos = found + seg.width
        return True

    return match


def matcher(pattern: LikePattern) -> Callable[[str], bool]:
    """A function telling whether a (non-NULL) string matches the whole pattern, in time at
    most proportional to the text length times the pattern length (no regular expression)."""
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
    return _general(pattern)
