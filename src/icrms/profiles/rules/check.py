"""Whitelist and type-check a sqlglot tree, converting it to the rule IR (:mod:`.ir`)."""

from __future__ import annotations

import difflib
from typing import NoReturn

from sqlglot import exp

from icrms.profiles.rules import forms, ir
from icrms.profiles.rules.errors import CriterionError
from icrms.profiles.rules.fields import FieldCatalog
from icrms.profiles.rules.functions import convert_call, convert_case
from icrms.profiles.rules.like import parse_like
from icrms.profiles.rules.literals import coerce_temporal, describe, number_literal

MAX_DEPTH = 64
_CMP: dict[type[exp.Expression], str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}
_ARITH: dict[type[exp.Expression], str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}


class Checker:
    """Converts one parsed criterion; raises :class:`CriterionError` on anything not allowed."""

    def __init__(self, text: str, catalog: FieldCatalog) -> None:
        """Prepare to check ``text`` against ``catalog``."""
        self.text = text
        self.catalog = catalog
        self._depth = 0

    # -- errors and positions -------------------------------------------------------------

    def position(self, e: exp.Expression, keyword: str | None = None) -> int | None:
        """Best-effort character offset of ``e`` in the criterion text."""
        starts = [n.meta["start"] for n in e.walk() if "start" in n.meta]
        first = min(starts) if starts else None
        if keyword:
            lowered, word = self.text.lower(), keyword.lower()
            hit = lowered.rfind(word, 0, len(lowered) if first is None else first + 1)
            if hit < 0 and first is not None:
                hit = lowered.find(word, first)
            if hit >= 0:
                return hit
        return first

    def fail(self, e: exp.Expression, reason: str, keyword: str | None = None) -> NoReturn:
        """Raise a :class:`CriterionError` located at ``e``."""
        raise CriterionError(self.text, reason, self.position(e, keyword))

    def func_name(self, e: exp.Expression) -> str:
        """The function name as written (upper case)."""
        meta = e.meta
        if "start" in meta and "end" in meta:
            return self.text[meta["start"] : meta["end"] + 1].upper()
        return e.name.upper() if isinstance(e, exp.Anonymous) else e.key.upper()

    # -- entry points ---------------------------------------------------------------------

    def convert(self, e: exp.Expression) -> ir.Node:
        """Convert any allowed expression (depth-limited)."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                self.fail(e, f"expression is nested more than {MAX_DEPTH} levels deep")
            return self._convert(e)
        finally:
            self._depth -= 1

    def typed(self, e: exp.Expression, kind: str, what: str) -> ir.Node:
        """Convert ``e`` and require result type ``kind``."""
        node = self.convert(e)
        if node.type == ir.NULL:
            self.fail(e, f"{what} must not be NULL (it would never match)", "null")
        if node.type != kind:
            self.fail(e, f"{what} must be {kind}, got {describe(e, node)}")
        return node

    def number_operand(self, e: exp.Expression, what: str) -> ir.Node:
        """A number operand of arithmetic, converted to double when integer."""
        node = self.typed(e, "number", what)
        if isinstance(node, ir.Const):
            return ir.Const(float(node.value), "number")
        return ir.ToDouble(node) if node.integer else node

    def unify(self, items: list[tuple[exp.Expression, ir.Node]], what: str) -> list[ir.Node]:
        """Make operands comparable: coerce string literals to dates/timestamps, check types."""
        temporal = {n.type for _, n in items} & {"date", "timestamp"}
        if len(temporal) == 1:
            kind = temporal.pop()
            items = [(e, coerce_temporal(self, e, n, kind)) for e, n in items]
        typed = [(e, n) for e, n in items if n.type != ir.NULL]
        for e, n in typed[1:]:
            first_e, first = typed[0]
            if n.type != first.type:
                hint = ""
                if {n.type, first.type} == {"string", "number"}:
                    number_e = e if n.type == "number" else first_e
                    if isinstance(number_e, exp.Literal | exp.Neg):
                        hint = f"; write text in single quotes: '{number_e.sql('duckdb')}'"
                prefix = f"{what}: " if what else ""
                self.fail(
                    first_e,
                    f"{prefix}cannot compare {describe(first_e, first)} with {describe(e, n)}{hint}",
                )
        return [n for _, n in items]

    # -- dispatch ---------------------------------------------------------------------------

    def _convert(self, e: exp.Expression) -> ir.Node:
        if isinstance(e, exp.Paren):
            return self.convert(e.this)
        if isinstance(e, exp.Literal):
            if e.is_string:
                return ir.Const(e.this, "string")
            return number_literal(self, e, e.this)
        if isinstance(e, exp.Boolean):
            return ir.Const(bool(e.this), "bool")
        if isinstance(e, exp.Null):
            return ir.Const(None, ir.NULL)
        if isinstance(e, exp.Column):
            return self._column(e)
        if isinstance(e, exp.Neg):
            return self._negate(e)
        if isinstance(e, exp.Not):
            return ir.Not(self.typed(e.this, "bool", "operand of NOT"))
        if isinstance(e, exp.And | exp.Or):
            return self._logic(e)
        if type(e) in _CMP:
            return self.compare(e, _CMP[type(e)])
        if type(e) in _ARITH:
            return self._arith(e, _ARITH[type(e)])
        if isinstance(e, exp.In):
            return self._in(e)
        if isinstance(e, exp.Between):
            return self._between(e)
        if isinstance(e, exp.Like | exp.ILike | exp.Escape):
            return self._like(e)
        if isinstance(e, exp.Is):
            return self._is(e)
        if isinstance(e, exp.Case):
            return convert_case(self, e)
        if isinstance(e, exp.NullSafeEQ | exp.NullSafeNEQ):
            return forms.distinct(self, e)
        if isinstance(e, exp.Nullif):
            return forms.nullif(self, e)
        if isinstance(e, exp.Cast) and (typed := forms.typed_literal(self, e)) is not None:
            return typed
        if isinstance(e, exp.Select | exp.Subquery | exp.Exists | exp.Query):
            self.fail(e, "subqueries are not allowed", "select")
        for cls, (label, keyword) in forms.REFUSED_NAMES.items():
            if isinstance(e, cls):
                hint = "; write a date as DATE 'YYYY-MM-DD'" if cls is exp.Cast else ""
                self.fail(e, f"{label} is not allowed{hint}", keyword)
        if isinstance(e, exp.Func):
            return convert_call(self, e)
        written = e.sql("duckdb", comments=False)
        written = written if len(written) <= 40 else written[:37] + "..."
        if not isinstance(e, exp.Condition):
            kind = e.key.upper()
            self.fail(e, f"a {kind} statement is not allowed; write one boolean expression", kind)
        self.fail(e, f"{written!r} is not allowed")

    # -- node kinds -------------------------------------------------------------------------

    def _column(self, e: exp.Column) -> ir.Node:
        if e.args.get("table") is not None:
            self.fail(e, f"qualified field {e.sql('duckdb')} is not allowed; write the bare name")
        ident = e.this
        if not isinstance(ident, exp.Identifier):
            self.fail(e, f"{e.sql('duckdb')} is not a field")
        name = ident.this if ident.quoted else ident.this.lower()
        spec = self.catalog.get(name)
        if spec is None:
            reason = f"unknown field {name!r}"
            near = difflib.get_close_matches(name, list(self.catalog), n=1)
            if ident.quoted:
                reason += " (double quotes name a field; write text in single quotes)"
            elif near:
                reason += f" (did you mean {near[0]!r}?)"
            self.fail(e, reason)
        return ir.Col(spec.name, spec.type, spec.integer)

    def _negate(self, e: exp.Neg) -> ir.Node:
        inner = e.this
        if isinstance(inner, exp.Literal) and not inner.is_string:
            return number_literal(self, e, "-" + inner.this)
        node = self.typed(inner, "number", "operand of unary minus")
        return ir.Negate(ir.ToDouble(node) if node.integer else node)

    def _logic(self, e: exp.Expression) -> ir.Node:
        cls = type(e)
        operands: list[exp.Expression] = []
        stack = [e]
        while stack:
            cur = stack.pop()
            while isinstance(cur, exp.Paren):
                cur = cur.this
            if type(cur) is cls:
                stack.extend((cur.expression, cur.this))
            else:
                operands.append(cur)
        word = "AND" if cls is exp.And else "OR"
        args = tuple(self.typed(o, "bool", f"operand of {word}") for o in operands)
        return ir.Logic(word.lower(), args)

    def compare(self, e: exp.Expression, op: str) -> ir.Node:
        forms.check_operands(self, e, op)
        items = [(e.this, self.convert(e.this)), (e.expression, self.convert(e.expression))]
        for side, node in items:
            if node.type == ir.NULL:
                self.fail(side, f"comparison {op} NULL is never true; use IS NULL", "null")
        left, right = self.unify(items, "")
        return ir.Cmp(op, left, right)

    def _arith(self, e: exp.Expression, op: str) -> ir.Node:
        what = f"operand of {op}"
        return ir.Arith(
            op, self.number_operand(e.this, what), self.number_operand(e.expression, what)
        )

    def _in(self, e: exp.In) -> ir.Node:
        if e.args.get("query") is not None or e.args.get("unnest") is not None:
            self.fail(e.args.get("query") or e, "subqueries are not allowed", "select")
        if e.args.get("field") is not None or not e.expressions:
            self.fail(e, "IN needs a parenthesised list of literals", "in")
        items = [(e.this, self.convert(e.this))]
        for value in e.expressions:
            node = self.convert(value)
            if not isinstance(node, ir.Const):
                self.fail(value, f"IN list may only hold literals, got {value.sql('duckdb')}")
            items.append((value, node))
        if items[0][1].type == ir.NULL:
            self.fail(e.this, "NULL IN (...) is never true", "null")
        arg, *values = self.unify(items, "IN")
        consts = tuple(v for v in values if isinstance(v, ir.Const) and v.value is not None)
        return ir.InList(arg, consts, has_null=len(consts) < len(values))

    def _between(self, e: exp.Between) -> ir.Node:
        if e.args.get("symmetric"):
            self.fail(e, "BETWEEN SYMMETRIC is not allowed", "symmetric")
        parts = [e.this, e.args["low"], e.args["high"]]
        items = [(p, self.convert(p)) for p in parts]
        for p, node in items:
            if node.type == ir.NULL:
                self.fail(p, "BETWEEN with NULL is never true; use IS NULL", "null")
        arg, low, high = self.unify(items, "BETWEEN")
        return ir.Between(arg, low, high)

    def _like(self, e: exp.Expression) -> ir.Node:
        escape: str | None = None
        if isinstance(e, exp.Escape):
            esc = e.expression
            if not (isinstance(esc, exp.Literal) and esc.is_string):
                self.fail(esc, "ESCAPE must be a string literal")
            escape = esc.this
            if len(escape) > 1:
                self.fail(esc, "ESCAPE must be empty or a single character")
            e = e.this
        if not isinstance(e, exp.Like | exp.ILike):
            self.fail(e, "ESCAPE only applies to LIKE and ILIKE")
        word = "ILIKE" if isinstance(e, exp.ILike) else "LIKE"
        arg = self.typed(e.this, "string", f"left side of {word}")
        pat = e.expression
        if not (isinstance(pat, exp.Literal) and pat.is_string):
            self.fail(pat, f"{word} pattern must be a string literal")
        try:
            pattern = parse_like(pat.this, escape)
        except ValueError as err:
            start = self.position(pat)
            where = None if start is None else start + 1 + int(err.args[1])
            raise CriterionError(self.text, str(err.args[0]), where) from None
        return ir.Like(arg, pattern, word == "ILIKE")

    def _is(self, e: exp.Is) -> ir.Node:
        target = e.expression
        arg = self.convert(e.this)
        if isinstance(target, exp.Null):
            return ir.IsNull(arg)
        if isinstance(target, exp.Boolean):
            if arg.type not in ("bool", ir.NULL):
                self.fail(e.this, f"IS TRUE/FALSE needs a boolean, got {describe(e.this, arg)}")
            return ir.IsBool(arg, bool(target.this))
        self.fail(target, "IS must be followed by [NOT] NULL, TRUE or FALSE", "is")
