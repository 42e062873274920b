"""Characters refused in criteria, codes and names: controls, invisible and direction-changing
characters, and with them every terminal escape sequence (they all start with a control).

A NUL in a criterion broke every bulk query while the live engine went on; an escape sequence
or a right-to-left override in a criterion or a name can show a reviewer one text while another
runs. Such characters are refused where the text comes in, with the field, the position and the
character written as ``U+XXXX``.
"""

from __future__ import annotations

import unicodedata

ALLOWED_WHITESPACE = "\t\n\r"
"""Whitespace a multi-line text (a criterion, a purpose) may hold."""

# Refused categories: controls (Cc), format characters (Cf: zero-width, bidi controls, BOM,
# soft hyphen...), surrogates (Cs), private use (Co), line/paragraph separators (Zl, Zp).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# Letters and marks that render as nothing: Hangul fillers, combining grapheme joiner, braille
# blank, and the variation selectors.
_INVISIBLE = frozenset({0x034F, 0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0})
_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F))


def is_unseen(ch: str) -> bool:
    """Whether ``ch`` is a control, invisible, direction-changing or non-standard space."""
    code = ord(ch)
    category = unicodedata.category(ch)
    if category in _REFUSED_CATEGORIES or code in _INVISIBLE:
        return True
    if category == "Zs" and ch != " ":
        return True  # no-break and other spaces: look like a space, compare unlike one
    return any(low <= code <= high for low, high in _VARIATION_SELECTORS)


def codepoint(ch: str) -> str:
    """``U+0000``-style name of a character, with its Unicode name when it has one."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def first_unseen(text: str, allow: str = "") -> int | None:
    """Offset of the first refused character of ``text`` (``allow`` lists exceptions)."""
    for i, ch in enumerate(text):
        if ch not in allow and is_unseen(ch):
            return i
    return None


def refuse_unseen(field: str, text: str, allow: str = "") -> str:
    """``text`` itself, or ValueError naming ``field``, the position and the character.

    Raises:
        ValueError: ``text`` holds a control, invisible or direction-changing character.
    """
    at = first_unseen(text, allow)
    if at is None:
        return text
    raise ValueError(unseen_reason(field, text[at], at))


def unseen_reason(field: str, ch: str, at: int) -> str:
    """The refusal message for character ``ch`` at offset ``at`` of ``field``."""
    return (
        f"{field}: character {codepoint(ch)} at position {at} is not allowed "
        "(control, invisible and direction-changing characters are refused)"
    )
