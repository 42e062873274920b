"""Compile a criterion to a boolean SQL expression for DuckDB or Spark SQL.

The SQL is generated with sqlglot from the validated tree (never from the user's text), so it
holds nothing outside the whitelist. Choices that keep it equal to the Python evaluator on both
engines, whatever their settings (Spark's ANSI mode included):

* fields are quoted identifiers; numbers with a fraction are double literals (``0.1e0``), never
  DECIMAL; integers entering arithmetic are ``CAST(... AS DOUBLE)``;
* ``a / b`` divides as DuckDB does, by IEEE rules (``x / 0`` is infinite; Spark, which gives
  NULL or an error, gets ``x * power(0, -1)`` there);
* LIKE patterns are re-emitted in a canonical form escaping with ``\\`` (see :mod:`.like`);
* ROUND is DuckDB's, spelled out for Spark (:func:`.values.duckdb_round`);
* LOWER, UPPER and ILIKE map case as DuckDB does (``translate`` with its table in Spark);
* ``IS TRUE`` / ``IS FALSE`` become ``COALESCE``; dates and timestamps are typed casts of ISO
  strings (timestamps in UTC);
* ``in_watchlist`` is an IN subquery that skips NULL entries, wrapped in
  ``CASE WHEN x IS NULL THEN NULL ELSE ... END`` wherever NULL and FALSE differ (Spark 4.0
  answers FALSE for ``NULL IN (subquery)`` outside a filter conjunct).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal

import pyarrow as pa
from sqlglot import exp

from icrms.profiles.rules import case, ir
from icrms.profiles.rules.fields import FieldCatalog, FieldType
from icrms.profiles.rules.like import SQL_ESCAPE
from icrms.profiles.rules.parse import Criterion, ensure_criterion

Dialect = Literal["duckdb", "spark"]
_CMP = {"=": exp.EQ, "<>": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}
_ARITH = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}
_FUNCS = {"LENGTH": exp.Length, "ABS": exp.Abs}
_ATOMS = (exp.Column, exp.Literal, exp.Boolean, exp.Null, exp.Func, exp.Paren, exp.Cast)


def to_sql(
    criterion: str | Criterion,
    dialect: Dialect = "duckdb",
    *,
    catalog: FieldCatalog | None = None,
    extra_fields: Mapping[str, FieldType | str | pa.DataType] | None = None,
    watchlist_table: str = "watchlist_entry",
    watchlist_name_column: str = "list_name",
    watchlist_value_column: str = "value",
) -> str:
    """Compile a criterion to a boolean SQL expression over a table whose columns are the fields.

    ``in_watchlist('name', x)`` becomes ``x IN (SELECT value FROM watchlist_entry WHERE
    list_name = 'name' AND value IS NOT NULL)`` with the given table and column names (guarded
    for a NULL ``x`` under NOT, IS, COALESCE...).

    Raises:
        CriterionError: The criterion is invalid.
        ValueError: The dialect is not supported.
    """
    if dialect not in ("duckdb", "spark"):
        raise ValueError(f"dialect must be 'duckdb' or 'spark', got {dialect!r}")
    root = ensure_criterion(criterion, catalog, extra_fields).root
    names = (watchlist_table, watchlist_name_column, watchlist_value_column)
    return _Builder(names, dialect).build(root, positive=True).sql(dialect=dialect, comments=False)


class _Builder:
    def __init__(self, watchlist: tuple[str, str, str], dialect: str) -> None:
        self.table, self.name_col, self.value_col = watchlist
        self.dialect = dialect

    def build(self, node: ir.Node, positive: bool = False) -> exp.Expression:
        """SQL of ``node``; ``positive``: only whether it is TRUE matters (WHERE, AND/OR in it)."""
        if isinstance(node, ir.Const):
            return literal(node.value)
        if isinstance(node, ir.Col):
            return exp.column(node.name, quoted=True)
        if isinstance(node, ir.Cmp):
            return _CMP[node.op](this=self.sub(node.left), expression=self.sub(node.right))
        if isinstance(node, ir.Logic):
            cls = exp.And if node.op == "and" else exp.Or
            out = self.sub(node.args[0], positive)
            for arg in node.args[1:]:
                out = cls(this=out, expression=self.sub(arg, positive))
            return out
        if isinstance(node, ir.Not):
            return exp.Not(this=self.sub(node.arg))
        if isinstance(node, ir.InList):
            items = [literal(c.value) for c in node.values]
            if node.has_null:
                items.append(exp.Null())
            return exp.In(this=self.sub(node.arg), expressions=items)
        if isinstance(node, ir.Between):
            args = (self.sub(node.arg), self.sub(node.low), self.sub(node.high))
            return exp.Between(this=args[0], low=args[1], high=args[2])
        if isinstance(node, ir.Like):
            # ILIKE is LOWER(text) LIKE LOWER(pattern), with the rule language's LOWER
            pattern = node.pattern.lowered() if node.ci else node.pattern
            text, escaped = pattern.sql()
            subject = self.sub(node.arg)
            if node.ci:
                subject = self.case_map("LOWER", subject)
            like = exp.Like(this=subject, expression=exp.Literal.string(text))
            if escaped:
                return exp.Escape(this=like, expression=exp.Literal.string(SQL_ESCAPE))
            return like
        if isinstance(node, ir.IsNull):
            return exp.Is(this=self.sub(node.arg), expression=exp.Null())
        if isinstance(node, ir.IsBool):
            # x IS TRUE = COALESCE(x, FALSE); x IS FALSE = NOT COALESCE(x, TRUE)
            fallback = exp.Boolean(this=not node.value)
            test = exp.Coalesce(this=self.build(node.arg), expressions=[fallback])
            return test if node.value else exp.Not(this=test)
        if isinstance(node, ir.Arith):
            left, right = self.sub(node.left), self.sub(node.right)
            if node.op == "/":
                return self.divide(left, right)
            return _ARITH[node.op](this=left, expression=right)
        if isinstance(node, ir.Negate):
            return exp.Neg(this=self.sub(node.arg))
        if isinstance(node, ir.ToDouble):
            return exp.cast(self.build(node.arg), exp.DataType.Type.DOUBLE)
        if isinstance(node, ir.Call):
            return self.call(node)
        if isinstance(node, ir.Case):
            ifs = [exp.If(this=self.build(c, True), true=self.build(v)) for c, v in node.whens]
            default = None if node.default is None else self.build(node.default)
            return exp.Case(ifs=ifs, default=default)
        if isinstance(node, ir.Watch):
            return self.watchlist(node, positive)
        raise TypeError(f"cannot compile {type(node).__name__}")  # pragma: no cover

    def sub(self, node: ir.Node, positive: bool = False) -> exp.Expression:
        """An operand, parenthesised unless atomic (sqlglot does not add precedence parens)."""
        out = self.build(node, positive)
        if isinstance(out, exp.Connector):  # AND/OR subclass Func in sqlglot
            return exp.Paren(this=out)
        if isinstance(out, _ATOMS) or (isinstance(out, exp.Neg) and out.this.is_number):
            return out
        return exp.Paren(this=out)

    def call(self, node: ir.Call) -> exp.Expression:
        args = [self.build(a) for a in node.args]
        if node.name in case.TABLES:
            return self.case_map(node.name, args[0])
        if node.name in _FUNCS:
            return _FUNCS[node.name](this=args[0])
        if node.name == "COALESCE":
            return exp.Coalesce(this=args[0], expressions=args[1:])
        if node.name in ("LEFT", "RIGHT"):
            cls = exp.Left if node.name == "LEFT" else exp.Right
            return cls(this=args[0], expression=exp.Literal.number(node.ints[0]))
        if node.name == "SUBSTR":
            ints = [exp.Literal.number(n) for n in node.ints]
            return exp.Substring(this=args[0], start=ints[0], length=ints[1] if ints[1:] else None)
        if node.name == "ROUND":
            return self.round(node.args[0], node.ints[0])
        raise TypeError(f"cannot compile function {node.name}")  # pragma: no cover

    def case_map(self, name: str, arg: exp.Expression) -> exp.Expression:
        """DuckDB's own LOWER/UPPER; elsewhere ``translate`` with DuckDB's table (:mod:`.case`)."""
        if self.dialect == "duckdb":
            return (exp.Lower if name == "LOWER" else exp.Upper)(this=arg)
        source, target = case.TABLES[name]
        strings = [exp.Literal.string(source), exp.Literal.string(target)]
        return exp.Anonymous(this="translate", expressions=[arg, *strings])

    def round(self, arg: ir.Node, digits: int) -> exp.Expression:
        """DuckDB's ROUND; for Spark the same computation (:func:`.values.duckdb_round`):
        Spark's own ROUND of a double rounds its shortest decimal text half up, which is C's
        ``round`` for a whole-number scale, but loses the sign of a zero result."""
        x = self.sub(arg)
        if self.dialect == "duckdb":
            decimals = exp.Literal.number(digits) if digits else None
            return exp.Round(this=x, decimals=decimals)
        if digits == 0:
            return _spark_c_round(x)
        scale = literal(10.0 ** abs(digits))
        if digits > 0:
            scaled: exp.Expression = exp.Paren(this=exp.Mul(this=x.copy(), expression=scale))
            back: exp.Expression = exp.Div(
                this=_spark_c_round(scaled.copy()), expression=scale.copy()
            )
            fallback = x.copy()
        else:
            scaled = exp.Paren(this=exp.Div(this=x.copy(), expression=scale))
            back = exp.Mul(this=_spark_c_round(scaled.copy()), expression=scale.copy())
            fallback = literal(0.0)
        return exp.Case(ifs=[exp.If(this=_not_finite(scaled), true=fallback)], default=back)

    def divide(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        """``left / right`` with IEEE division by zero, as DuckDB (Spark gives NULL or an error:
        there ``x / 0`` is ``x * power(0, -1)``, i.e. times an infinity signed like the zero)."""
        if self.dialect == "duckdb":
            return exp.Div(this=left, expression=right)
        zero = exp.EQ(this=right.copy(), expression=exp.Literal.number(0))
        by_zero = exp.Mul(
            this=left.copy(),
            expression=exp.Pow(this=right.copy(), expression=exp.Literal.number(-1)),
        )
        return exp.Case(
            ifs=[exp.If(this=zero, true=by_zero)], default=exp.Div(this=left, expression=right)
        )

    def watchlist(self, node: ir.Watch, positive: bool) -> exp.Expression:
        """``x IN (SELECT value ...)``; guarded by ``CASE WHEN x IS NULL THEN NULL`` unless
        only TRUE matters, because Spark 4.0 answers FALSE instead of NULL for a NULL ``x``
        when the IN subquery is not a filter conjunct (e.g. under NOT or COALESCE)."""
        value = exp.column(self.value_col, quoted=True)
        where = exp.and_(
            exp.EQ(this=exp.column(self.name_col, quoted=True), expression=literal(node.name)),
            exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
        )
        query = exp.select(value).from_(exp.to_table(self.table)).where(where)
        arg = self.sub(node.arg)
        test = exp.In(this=arg, query=exp.Subquery(this=query))
        if positive:
            return test
        is_null = exp.Is(this=arg.copy(), expression=exp.Null())
        return exp.Case(ifs=[exp.If(this=is_null, true=exp.Null())], default=test)


def _not_finite(x: exp.Expression) -> exp.Expression:
    """Spark: ``x`` is NaN or infinite."""
    nan = exp.Anonymous(this="isnan", expressions=[x.copy()])
    infinite = exp.EQ(this=exp.Abs(this=x.copy()), expression=_special("Infinity"))
    return exp.Or(this=nan, expression=infinite)


def _special(name: str) -> exp.Expression:
    return exp.cast(exp.Literal.string(name), exp.DataType.Type.DOUBLE)


def _spark_c_round(x: exp.Expression) -> exp.Expression:
    """C's ``round(x)`` in Spark: ``round(x, 0)``, with a zero result signed like ``x``."""
    rounded = exp.Round(this=x.copy(), decimals=exp.Literal.number(0))
    zero = exp.EQ(this=rounded, expression=exp.Literal.number(0))
    signed_zero = exp.Mul(this=x.copy(), expression=literal(0.0))
    return exp.Case(ifs=[exp.If(this=zero, true=signed_zero)], default=rounded.copy())


def literal(value: object) -> exp.Expression:
    """SQL literal of a Python constant (floats as double literals, e.g. ``0.1e0``)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        number = exp.Literal.number(abs(value))
        return exp.Neg(this=number) if value < 0 else number
    if isinstance(value, float):
        text = repr(abs(value))
        number = exp.Literal.number(text if "e" in text else text + "e0")
        return exp.Neg(this=number) if str(value).startswith("-") else number
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ")
        return exp.cast(exp.Literal.string(text), exp.DataType.Type.TIMESTAMPTZ)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    raise TypeError(f"no SQL literal for {value!r}")  # pragma: no cover
