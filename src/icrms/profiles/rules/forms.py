"""Forms the checker reads the way DuckDB does, or refuses: precedence around IS and chained
comparisons, typed date literals, ``IS [NOT] DISTINCT FROM``, ``NULLIF``, and the names of
refused constructs in the rule language's words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from icrms.profiles.rules import ir
from icrms.profiles.rules.literals import coerce_temporal

if TYPE_CHECKING:
    from icrms.profiles.rules.check import Checker

_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.NullSafeEQ, exp.NullSafeNEQ)
_IS_FAMILY = (exp.Is, exp.NullSafeEQ, exp.NullSafeNEQ)
REFUSED_NAMES: dict[type[exp.Expression], tuple[str, str]] = {
    exp.Mod: ("operator %", "%"),
    exp.IntDiv: ("operator //", "//"),
    exp.DPipe: ("operator ||", "||"),
    exp.Cast: ("CAST", "cast"),
    exp.Star: ("*", "*"),
    exp.Placeholder: ("parameter placeholder", "?"),
    exp.Bracket: ("subscript []", "["),
    exp.SimilarTo: ("SIMILAR TO", "similar"),
    exp.RegexpLike: ("regular-expression match", "~"),
    exp.RegexpILike: ("regular-expression match", "~"),
    exp.RegexpFullMatch: ("regular-expression match ~", "~"),
    exp.Glob: ("GLOB", "glob"),
    exp.ByteString: ("byte string literal", "'"),
    exp.HexString: ("hex string literal", "'"),
    exp.BitString: ("bit string literal", "'"),
    exp.Interval: ("INTERVAL", "interval"),
    exp.Collate: ("COLLATE", "collate"),
    exp.BitwiseAnd: ("operator &", "&"),
    exp.BitwiseOr: ("operator |", "|"),
    exp.BitwiseXor: ("operator xor", "xor"),
    exp.Pow: ("operator ^", "^"),
    exp.Any: ("ANY", "any"),
    exp.All: ("ALL", "all"),
}


def _bare(e: exp.Expression) -> exp.Expression:
    """``e`` seen through a NOT (``a = b IS NOT NULL`` is ``a = NOT (b IS NULL)`` to sqlglot)."""
    return e.this if isinstance(e, exp.Not) else e


def check_operands(checker: Checker, e: exp.Expression, op: str) -> None:
    """Refuse comparison operands whose reading depends on precedence DuckDB sees otherwise.

    DuckDB (like PostgreSQL) binds ``IS`` looser than ``=``: ``aeo = duty_rate IS NULL`` is
    ``(aeo = duty_rate) IS NULL`` there; and it refuses ``a < b = c`` outright.
    """
    for side in (e.this, e.expression):
        if isinstance(_bare(side), _IS_FAMILY) and isinstance(e, _COMPARISONS):
            checker.fail(
                side,
                f"IS next to {op} is ambiguous: add parentheses, e.g. (a {op} b) IS NULL "
                f"or a {op} (b IS NULL)",
                "is",
            )
        if isinstance(side, _COMPARISONS) and not isinstance(side, _IS_FAMILY):
            checker.fail(side, f"comparisons cannot be chained: add parentheses around one {op}")


def typed_literal(checker: Checker, e: exp.Cast) -> ir.Node | None:
    """``DATE '2026-01-01'`` (or ``TIMESTAMP '...'``) as a literal; None for another CAST."""
    literal = e.this
    kind = {
        exp.DataType.Type.DATE: "date",
        exp.DataType.Type.TIMESTAMP: "timestamp",
        exp.DataType.Type.TIMESTAMPNTZ: "timestamp",
    }.get(e.to.this)
    start = literal.meta.get("start") if isinstance(literal, exp.Literal) else None
    if kind is None or start is None or not literal.is_string:
        return None
    written = checker.text[:start].rstrip().lower()
    if not written.endswith(kind):
        return None  # CAST('...' AS DATE)
    return coerce_temporal(checker, literal, ir.Const(literal.this, "string"), kind)


def distinct(checker: Checker, e: exp.Expression) -> ir.Node:
    """``a IS [NOT] DISTINCT FROM b``: never NULL; NULL is not distinct from NULL."""
    check_operands(checker, e, "IS DISTINCT FROM")
    items = [(e.this, checker.convert(e.this)), (e.expression, checker.convert(e.expression))]
    left, right = checker.unify(items, "IS DISTINCT FROM")
    one_null = ir.Logic(
        "or",
        (
            ir.Logic("and", (ir.IsNull(left), ir.Not(ir.IsNull(right)))),
            ir.Logic("and", (ir.Not(ir.IsNull(left)), ir.IsNull(right))),
            ir.Cmp("<>", left, right),
        ),
    )
    differs = ir.IsBool(one_null, True)
    return differs if isinstance(e, exp.NullSafeNEQ) else ir.Not(differs)


def nullif(checker: Checker, e: exp.Nullif) -> ir.Node:
    """``NULLIF(a, b)``: NULL when ``a = b`` is TRUE, else ``a``."""
    items = [(e.this, checker.convert(e.this)), (e.expression, checker.convert(e.expression))]
    left, right = checker.unify(items, "NULLIF")
    if left.type == ir.NULL:
        checker.fail(e, "NULLIF of NULL is always NULL", "null")
    return ir.Case(
        ((ir.Cmp("=", left, right), ir.Const(None, ir.NULL)),), left, left.type, left.integer
    )
