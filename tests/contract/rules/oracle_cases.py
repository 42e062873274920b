"""Criteria and item rows for the oracle test: written as an analyst writes them (parentheses
left out where SQL precedence decides), over the real item fields (mirror fields included),
with the hard values.

Kept out of the generated criteria, as documented differences (docs/rules.md): arithmetic
whose operands are only integer fields and decimal literals (DuckDB computes it exactly in
DECIMAL, icrms in doubles) and literal-only arithmetic.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

from icrms.declarations.fields import MIRROR_FIELDS, arrow_schema
from icrms.warehouse.schema import FACT_ITEM

STRING_FIELDS = ("description", "importer_id", "hs4", "country_of_origin")
DOUBLE_FIELDS = ("unit_value", "quantity", "customs_value", "mirror_value_ratio")
BOOL_FIELDS = ("aeo", "mirror_hs6_mismatch")
# the item row as criteria read it: fact_item's columns and the mirror fields
ITEM_ROW = pa.unify_schemas([FACT_ITEM, arrow_schema(MIRROR_FIELDS)])
TEXTS = [
    "İSTANBUL-1",
    "istanbul-1",
    "i̇stanbul-1",
    "straße",
    "STRASSE",
    "STRAẞE",
    "ΟΔΟΣ",
    "οδοσ",
    "οδος",
    "e\u0301",
    "é",
    "É",
    "$x",
    "${x}",
    "{}",
    "%",
    "_",
    "a%b_c",
    "it's",
    "a\\b",
    "\\",
    "8517",
    "CN",
    "cn",
    "",
    "lithium ion battery",
    "LITHIUM-ION",
    "ǅ",
    "ﬁ",
    "K",  # KELVIN SIGN
    "ſ",  # long s
    "𐐀𐐨",  # Deseret: outside the Basic Multilingual Plane
    "ǈ𐐨ß",
]
NUMBERS = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.5,
    -2.5,
    0.49999999999999994,
    -0.49999999999999994,
    0.5000000000000001,
    2.675,
    1.005,
    1e300,
    -1e300,
    1.7e308,
    5e-324,
    -5e-324,
    1e-310,
    2.2250738585072014e-308,
    123.456,
    1e15 + 0.5,
    4503599627370497.0,
    math.inf,
    -math.inf,
    math.nan,
]
NUMBER_LITERALS = [
    "0",
    "1",
    "-1",
    "2",
    "0.5",
    "2.5",
    "-2.5",
    "0.49999999999999994",
    "1e300",
    "-1e300",
    "5e-324",
    "1e-310",
    "2.675",
    "100",
    "1e308",
    "0.0",
    "0e0",
]
DATES = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)]
TIMES = [
    datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 1, 1, 8, 0, 0, 1, tzinfo=UTC),
]
TIME_LITERALS = [
    "'2026-01-01'",
    "'2026-01-01 00:00'",
    "'2026-01-01T08:00:00'",
    "'2026-01-01 10:00:00+02:00'",
    "'2025-12-31 23:59:59.999999Z'",
    "TIMESTAMP '2026-01-01 08:00:00.000001'",
]


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def item_rows(values: list[dict[str, Any]]) -> pa.Table:
    """fact_item rows (one declaration each) from partial rows."""
    out = []
    for n, v in enumerate(values):
        out.append(
            {
                "declaration_id": f"D{n:05d}",
                "version": 1,
                "item_no": v.get("item_no", 1),
                **{k: x for k, x in v.items() if k != "item_no"},
            }
        )
    return pa.Table.from_pylist(out, ITEM_ROW)


def _maybe(draw: st.DrawFn, values: list[Any]) -> Any:
    return None if draw(st.integers(0, 4)) == 0 else draw(st.sampled_from(values))


@st.composite
def rows(draw: st.DrawFn, n: int) -> list[dict[str, Any]]:
    """``n`` partial rows: the hard values, NULLs anywhere."""
    out = []
    for _ in range(n):
        row: dict[str, Any] = {f: _maybe(draw, TEXTS) for f in STRING_FIELDS}
        row.update({f: _maybe(draw, NUMBERS) for f in DOUBLE_FIELDS})
        row["item_no"] = draw(st.sampled_from([1, 2, 3, 7, 100000]))
        row.update({f: _maybe(draw, [True, False]) for f in BOOL_FIELDS})
        row["lodged_date"] = _maybe(draw, DATES)
        row["lodged_at"] = _maybe(draw, TIMES)
        out.append(row)
    return out


def _paren(draw: st.DrawFn, text: str) -> str:
    """Parentheses around ``text`` or not (precedence then decides, as the analyst wrote it)."""
    return f"({text})" if draw(st.booleans()) else text


@st.composite
def string_expr(draw: st.DrawFn, depth: int = 2) -> str:
    choice = draw(st.integers(0, 9 if depth > 0 else 2))
    if choice <= 1:
        return draw(st.sampled_from(STRING_FIELDS))
    if choice == 2:
        return sql_string(draw(st.sampled_from(TEXTS)))
    inner = draw(string_expr(depth - 1))
    if choice <= 4:
        return f"{draw(st.sampled_from(['LOWER', 'UPPER', 'lower', 'upper']))}({inner})"
    if choice == 5:
        return f"LEFT({inner}, {draw(st.integers(0, 4))})"
    if choice == 6:
        return f"RIGHT({inner}, {draw(st.integers(0, 4))})"
    if choice == 7:
        return f"SUBSTR({inner}, {draw(st.integers(1, 4))}, {draw(st.integers(0, 3))})"
    if choice == 8:
        return f"COALESCE({inner}, {draw(string_expr(depth - 1))})"
    return f"NULLIF({inner}, {draw(string_expr(depth - 1))})"


@st.composite
def double_expr(draw: st.DrawFn, depth: int = 2) -> str:
    """A number expression that reads a double field (so DuckDB computes it in doubles too)."""
    choice = draw(st.integers(0, 8 if depth > 0 else 0))
    if choice == 0:
        return draw(st.sampled_from(DOUBLE_FIELDS))
    inner = draw(double_expr(depth - 1))
    if choice <= 3:
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        other = draw(st.one_of(number_expr(depth - 1), st.sampled_from(NUMBER_LITERALS)))
        left, right = (inner, other) if draw(st.booleans()) else (other, inner)
        return _paren(draw, f"{left} {op} {right}")
    if choice == 4:
        digits = draw(st.sampled_from(["", ", 0", ", 1", ", 2", ", -1", ", -2", ", 15", ", -15"]))
        return f"ROUND({inner}{digits})"
    if choice == 5:
        return f"ABS({inner})"
    if choice == 6:
        return f"-{_paren(draw, inner)}" if not inner.startswith("-") else f"-({inner})"
    if choice == 7:
        return f"COALESCE({inner}, {draw(st.sampled_from(NUMBER_LITERALS))})"
    return f"NULLIF({inner}, {draw(st.sampled_from(NUMBER_LITERALS))})"


@st.composite
def number_expr(draw: st.DrawFn, depth: int = 2) -> str:
    choice = draw(st.integers(0, 5))
    if choice <= 2:
        return draw(double_expr(depth))
    if choice == 3:
        return "item_no"
    if choice == 4:
        return f"LENGTH({draw(string_expr(depth - 1))})"
    return draw(st.sampled_from(NUMBER_LITERALS))


@st.composite
def like_pattern(draw: st.DrawFn) -> str:
    pieces = draw(
        st.lists(st.sampled_from(["%", "_", *TEXTS[:12], "a", "B", "x%", "\\%", "!_"]), max_size=4)
    )
    pattern = "".join(pieces)
    escape = draw(st.sampled_from([None, "\\", "!"]))
    if escape is not None and pattern.endswith(escape):
        pattern += "a"
    clause = f" ESCAPE {sql_string(escape)}" if escape else ""
    return sql_string(pattern) + clause


@st.composite
def condition(draw: st.DrawFn, depth: int = 2) -> str:
    """A boolean criterion; the generator often leaves precedence to the reader."""
    choice = draw(st.integers(0, 14 if depth > 0 else 9))
    if choice <= 1:
        op = draw(st.sampled_from(["=", "<>", "!=", "<", "<=", ">", ">="]))
        return f"{draw(number_expr())} {op} {draw(number_expr())}"
    if choice == 2:
        op = draw(st.sampled_from(["=", "<>", "<", ">="]))
        return f"{draw(string_expr())} {op} {draw(string_expr())}"
    if choice == 3:
        word = draw(st.sampled_from(["LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"]))
        return f"{draw(string_expr())} {word} {draw(like_pattern())}"
    if choice == 4:
        size = draw(st.sampled_from([1, 3, 40, 300]))
        values = draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=6))
        items = [sql_string(v) for v in values] + [sql_string(f"v{k}") for k in range(size)]
        if draw(st.integers(0, 5)) == 0:
            items.append("NULL")
        neg = draw(st.sampled_from(["", "NOT "]))
        return f"{draw(string_expr())} {neg}IN ({', '.join(items)})"
    if choice == 5:
        neg = draw(st.sampled_from(["", "NOT "]))
        low, high = draw(number_expr()), draw(number_expr())
        return f"{draw(number_expr())} {neg}BETWEEN {low} AND {high}"
    if choice == 6:
        test = draw(st.sampled_from(["IS NULL", "IS NOT NULL"]))
        inner = draw(st.one_of(number_expr(), string_expr()))
        return f"{inner} {test}"
    if choice == 7:
        word = draw(st.sampled_from(["IS DISTINCT FROM", "IS NOT DISTINCT FROM"]))
        return f"{draw(number_expr())} {word} {draw(number_expr())}"
    if choice == 8:
        form = draw(st.sampled_from(["{}", "NOT {}", "{} IS TRUE", "{} IS NOT FALSE"]))
        return form.format(draw(st.sampled_from(BOOL_FIELDS)))
    if choice == 9:
        op = draw(st.sampled_from(["=", ">=", "<"]))
        day = draw(st.sampled_from(DATES)).isoformat()
        literal = draw(st.sampled_from([f"'{day}'", f"DATE '{day}'"]))
        return f"lodged_date {op} {literal}"
    if choice == 10 and draw(st.booleans()):
        op = draw(st.sampled_from(["=", ">=", "<", "<>"]))
        return f"lodged_at {op} {draw(st.sampled_from(TIME_LITERALS))}"
    if choice == 10:
        return f"in_watchlist('wl', {draw(string_expr(1))})"
    if choice == 11:
        return f"aeo = {draw(number_expr())} IS NULL"
    if choice == 12:
        op = draw(st.sampled_from(["AND", "OR"]))
        return f"{draw(condition(depth - 1))} {op} {draw(condition(depth - 1))}"
    if choice == 13:
        return f"NOT {_paren(draw, draw(condition(depth - 1)))}"
    return f"({draw(condition(depth - 1))})"


WATCHLIST = {"wl": frozenset({"İSTANBUL-1", "straße", "8517", "CN", "${x}", "a\\b"})}
