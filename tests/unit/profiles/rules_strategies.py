"""Hypothesis strategies for the rule-language property tests: well-typed criteria and rows."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

from icrms.profiles.rules.like import parse_like

EXTRA_FIELDS = {"model_score": "number"}
SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("hs4", pa.string()),
        ("country_of_origin", pa.string()),
        ("description", pa.string()),
        ("importer_id", pa.string()),
        ("unit_value", pa.float64()),
        ("quantity", pa.float64()),
        ("item_no", pa.int32()),
        ("model_score", pa.float64()),
        ("aeo", pa.bool_()),
        ("lodged_date", pa.date32()),
    ]
)
STRING_FIELDS = ("hs4", "country_of_origin", "description", "importer_id")
NUMBER_FIELDS = ("unit_value", "quantity", "item_no", "model_score")
WATCHLIST = {("wl", "CN"), ("wl", "8517"), ("wl", "a%b"), ("other", "HK")}
WATCHLIST_ROWS = [*sorted(WATCHLIST), ("wl", None)]

TEXT_ALPHABET = "abAé%_\\!\n"
SMALL_STRINGS = [
    "",
    *["8517", "8703", "CN", "HK", "cn", "a", "b", "ab", "ba", "a%b", "A_b", "é", "b\\"],
]
STRINGS = st.one_of(st.sampled_from(SMALL_STRINGS), st.text(alphabet="abA", max_size=3))
TEXTS = st.one_of(STRINGS, st.text(alphabet=TEXT_ALPHABET, max_size=5))
SPECIAL_NUMBERS = [0, 1, -1, 2, 3, 10, 0.0, -0.0, 0.5, -0.5, 2.5, -2.5, 2.675, 1.005, 0.125, 20.0]
FLOATS = st.one_of(
    st.sampled_from([float(x) for x in SPECIAL_NUMBERS]),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
INTS = st.one_of(st.integers(-3, 3), st.integers(-1000, 1000))
DATES = st.dates(date(2025, 12, 30), date(2026, 1, 2))


def sql_string(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def nullable(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` or None (about one time in four)."""
    return st.one_of(st.none(), strategy, strategy, strategy)


@st.composite
def rows(draw: st.DrawFn, max_rows: int = 12) -> list[dict[str, Any]]:
    """Rows of SCHEMA with NULLs anywhere."""
    out = []
    for i in range(draw(st.integers(1, max_rows))):
        out.append(
            {
                "id": i,
                "hs4": draw(nullable(STRINGS)),
                "country_of_origin": draw(nullable(STRINGS)),
                "description": draw(nullable(TEXTS)),
                "importer_id": draw(nullable(STRINGS)),
                "unit_value": draw(nullable(FLOATS)),
                "quantity": draw(nullable(FLOATS)),
                "item_no": draw(nullable(INTS)),
                "model_score": draw(nullable(FLOATS)),
                "aeo": draw(nullable(st.booleans())),
                "lodged_date": draw(nullable(DATES)),
            }
        )
    return out


def number_literal(value: float | int) -> str:
    """A numeric literal as an analyst would write it."""
    return repr(value).replace("e+", "e")


NUMBER_LITERALS = st.one_of(st.sampled_from(SPECIAL_NUMBERS), INTS, FLOATS).map(number_literal)


def pool(size: int = 400, seed: int = 20260302) -> list[dict[str, Any]]:
    """A fixed pool of rows: small value sets so that equalities and NULLs are common."""
    rng = random.Random(seed)
    floats = [float(x) for x in SPECIAL_NUMBERS] + [1e6, -1e6, 1234.5678, 7.0, 1e-3]
    ints = [-3, -1, 0, 1, 2, 3, 10, 401]
    dates = [date(2025, 12, 30), date(2026, 1, 1), date(2026, 1, 2)]
    texts = [*SMALL_STRINGS, "a\nb", "tyre", "TYRES!", "%", "%a", "_", "\\"]

    def maybe(values: list[Any]) -> Any:
        return None if rng.random() < 0.25 else rng.choice(values)

    return [
        {
            "id": 1_000_000 + i,
            "hs4": maybe(SMALL_STRINGS),
            "country_of_origin": maybe(SMALL_STRINGS),
            "description": maybe(texts),
            "importer_id": maybe(SMALL_STRINGS),
            "unit_value": maybe(floats),
            "quantity": maybe(floats),
            "item_no": maybe(ints),
            "model_score": maybe(floats),
            "aeo": maybe([True, False]),
            "lodged_date": maybe(dates),
        }
        for i in range(size)
    ]


@st.composite
def like_pattern(draw: st.DrawFn) -> str:
    """``LIKE 'pattern' [ESCAPE 'c']`` or ILIKE, with wildcards and escapes."""
    pattern = draw(st.text(alphabet="ab%_\\!éA", max_size=5))
    escape = draw(st.sampled_from([None, "\\", "!", "%"]))
    try:
        parse_like(pattern, escape)
    except ValueError:
        pattern += "a"
    op = draw(st.sampled_from(["LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"]))
    clause = f" ESCAPE {sql_string(escape)}" if escape is not None else ""
    return f"{op} {sql_string(pattern)}{clause}"


def _leaf(kind: str) -> st.SearchStrategy[str]:
    if kind == "number":
        return st.one_of(st.sampled_from(NUMBER_FIELDS), NUMBER_LITERALS)
    if kind == "string":
        return st.one_of(st.sampled_from(STRING_FIELDS), STRINGS.map(sql_string))
    if kind == "date":
        return st.one_of(st.just("lodged_date"), DATES.map(lambda d: sql_string(d.isoformat())))
    return st.sampled_from(["aeo", "TRUE", "FALSE"])


@st.composite
def expr(draw: st.DrawFn, kind: str, depth: int = 3) -> str:
    """A random well-typed expression of ``kind`` (bool, number, string or date)."""
    if depth <= 0 or kind == "date" or draw(st.integers(0, 9)) < 4:
        if kind == "bool" and depth > 0:
            return draw(_compare(depth))
        return draw(_leaf(kind))
    sub = depth - 1
    choice = draw(st.integers(0, 5))
    if kind in ("number", "string") and choice == 0:
        cond, a, b = draw(expr("bool", sub)), draw(expr(kind, sub)), draw(expr(kind, sub))
        tail = f" ELSE {b}" if draw(st.booleans()) else ""
        return f"CASE WHEN {cond} THEN {a}{tail} END"
    if choice == 1:
        return f"COALESCE({draw(expr(kind, sub))}, {draw(expr(kind, sub))})"
    if kind == "number":
        a = draw(expr("number", sub))
        if choice == 2:
            return f"-({a})"
        if choice == 3:
            fn = draw(st.sampled_from(["ABS({})", "ROUND({})", "ROUND({}, 2)", "ROUND({}, -1)"]))
            return fn.format(a)
        if choice == 4:
            return f"LENGTH({draw(expr('string', sub))})"
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        return f"({a} {op} {draw(expr('number', sub))})"
    if kind == "string":
        s = draw(expr("string", sub))
        n, m = draw(st.integers(0, 4)), draw(st.integers(1, 4))
        fns = [f"LOWER({s})", f"UPPER({s})", f"LEFT({s}, {n})", f"RIGHT({s}, {n})"]
        return draw(st.sampled_from([*fns, f"SUBSTR({s}, {m}, {n})", f"SUBSTR({s}, {m})"]))
    if choice == 2:
        op = draw(st.sampled_from(["AND", "OR"]))
        return f"({draw(expr('bool', sub))} {op} {draw(expr('bool', sub))})"
    if choice == 3:
        return f"NOT ({draw(expr('bool', sub))})"
    if choice == 4:
        test = draw(st.sampled_from(["IS NULL", "IS NOT NULL", "IS TRUE", "IS NOT FALSE"]))
        inner_kind = "bool" if "TRUE" in test or "FALSE" in test else draw(_kinds)
        return f"({draw(expr(inner_kind, sub))}) {test}"
    return draw(_compare(sub))


_kinds = st.sampled_from(["number", "string", "date", "bool"])


@st.composite
def _compare(draw: st.DrawFn, depth: int) -> str:
    kind = draw(_kinds)
    left = draw(expr(kind, depth - 1))
    shape = draw(st.integers(0, 5))
    if kind == "string" and shape == 0:
        return f"({left}) {draw(like_pattern())}"
    if kind == "string" and shape == 1:
        return f"in_watchlist({draw(st.sampled_from(['wl', 'other']))!r}, {left})"
    if shape == 2 and kind != "bool":
        items = draw(st.lists(_leaf(kind).filter(lambda t: t not in NUMBER_FIELDS), max_size=3))
        items = [*items, "NULL"] if draw(st.booleans()) or not items else items
        neg = draw(st.sampled_from(["", "NOT "]))
        values = [v for v in items if not v.isidentifier() or v == "NULL"]
        return f"({left}) {neg}IN ({', '.join(values or ['NULL'])})"
    if shape == 3 and kind != "bool":
        neg = draw(st.sampled_from(["", "NOT "]))
        low, high = draw(expr(kind, depth - 1)), draw(expr(kind, depth - 1))
        return f"({left}) {neg}BETWEEN {low} AND {high}"
    op = draw(st.sampled_from(["=", "<>", "!=", "<", "<=", ">", ">="]))
    return f"({left}) {op} ({draw(expr(kind, depth - 1))})"


criteria = expr("bool", 4)


def python_lookup(name: str, value: Any) -> bool:
    """The watchlist of the property tests, as the Python evaluator sees it."""
    return (name, value) in WATCHLIST
