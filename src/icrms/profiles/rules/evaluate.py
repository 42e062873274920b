"""Compile a criterion to a Python predicate over one item row, with SQL three-valued logic.

No ``eval``/``exec``: the typed tree becomes a tree of closures, once. Predicates are compiled
as *truth tests*: ``truth_fn(node, True)`` answers "is the node TRUE?" and
``truth_fn(node, False)`` "is it FALSE?" (both are False when it is NULL). NOT swaps the two,
AND/OR combine them with Python's short-circuit ``and``/``or``, so a row matches exactly when
the SQL expression is TRUE and NULL never matches, without carrying a third value around.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from icrms.profiles.rules import case, fastpath, ir
from icrms.profiles.rules.fields import FieldCatalog, FieldType
from icrms.profiles.rules.like import matcher
from icrms.profiles.rules.parse import Criterion, ensure_criterion
from icrms.profiles.rules.values import Fn, Row, WatchlistLookup, as_bool, value_fn

Predicate = Callable[[Row, WatchlistLookup], bool]


def compile_python(
    criterion: str | Criterion,
    *,
    catalog: FieldCatalog | None = None,
    extra_fields: Mapping[str, FieldType | str | pa.DataType] | None = None,
) -> Predicate:
    """Compile a criterion to ``predicate(row, lookup) -> bool``.

    Args:
        criterion: Criterion text or an already parsed :class:`Criterion`.
        catalog: Allowed fields, when ``criterion`` is text (default: the item row).
        extra_fields: Extra fields, when ``criterion`` is text.

    Returns:
        A function of a row (field -> value, None or a missing key for NULL; values as
        ``pyarrow.Table.to_pylist`` gives them) and a watchlist lookup ``(list, value) -> bool``,
        True exactly when the criterion is TRUE for the row.

    Raises:
        CriterionError: The criterion is invalid.
    """
    return truth_fn(ensure_criterion(criterion, catalog, extra_fields).root, True)


def no_watchlists(name: str, value: Any) -> bool:
    """A lookup for callers without watchlists: raises if a criterion consults one."""
    raise LookupError(f"no watchlist lookup was given for in_watchlist({name!r}, ...)")


def truth_fn(node: ir.Node, want: bool) -> Predicate:
    """A closure telling whether ``node`` evaluates to ``want`` (never True for NULL)."""
    if isinstance(node, ir.Not):
        return truth_fn(node.arg, not want)
    if isinstance(node, ir.Logic):
        return _logic(node, want)
    if isinstance(node, ir.Cmp):
        return _compare(node.op if want else ir.NEGATED[node.op], node.left, node.right)
    if isinstance(node, ir.InList):
        return _in_list(node, want)
    if isinstance(node, ir.Between):
        return _between(node, want)
    if isinstance(node, ir.Like):
        return fastpath.like(node, want) or _like(node, want)
    if isinstance(node, ir.IsNull):
        if isinstance(node.arg, ir.Col):
            name = node.arg.name
            if want:
                return lambda r, lk: r.get(name) is None
            return lambda r, lk: r.get(name) is not None
        arg = value_fn(node.arg)
        if want:
            return lambda r, lk: arg(r, lk) is None
        return lambda r, lk: arg(r, lk) is not None
    if isinstance(node, ir.IsBool):
        arg, target = value_fn(node.arg), node.value
        if want:
            return lambda r, lk: arg(r, lk) is target
        return lambda r, lk: arg(r, lk) is not target
    if isinstance(node, ir.Watch):
        if fast := fastpath.watch(node, want):
            return fast
        arg, name = value_fn(node.arg), node.name
        if want:
            return lambda r, lk: (v := arg(r, lk)) is not None and bool(lk(name, v))
        return lambda r, lk: (v := arg(r, lk)) is not None and not lk(name, v)
    if isinstance(node, ir.Col):
        col = node.name
        if want:
            return lambda r, lk: (
                (v := r.get(col)) is True
                or (v is not False and v is not None and as_bool(v) is True)
            )
        return lambda r, lk: (
            (v := r.get(col)) is False or (v is not True and v is not None and as_bool(v) is False)
        )
    fn = value_fn(node)
    return lambda r, lk: fn(r, lk) is want


def _logic(node: ir.Logic, want: bool) -> Predicate:
    every = (node.op == "and") == want  # every operand must hold, else some operand
    # Operands have no side effects, so any order gives the same answer: test the operands
    # most likely to decide first (cheap and selective for "every", cheap for "some").
    ordered = sorted(node.args, key=fastpath.conjunct_order if every else fastpath.cost)
    parts = tuple(truth_fn(a, want) for a in ordered)
    if not every:
        return _any(parts)
    lead = fastpath.leading_test(ordered[0], want)
    if lead is None:
        return _all(parts)
    kind, name, c = lead
    rest = _all(parts[1:])
    if kind == "=":
        return lambda r, lk: r.get(name) == c and rest(r, lk)
    return lambda r, lk: r.get(name) in c and rest(r, lk)


def _all(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda r, lk: a(r, lk) and b(r, lk)
    if len(parts) == 3:
        a, b, c = parts
        return lambda r, lk: a(r, lk) and b(r, lk) and c(r, lk)
    if len(parts) == 4:
        a, b, c, d = parts
        return lambda r, lk: a(r, lk) and b(r, lk) and c(r, lk) and d(r, lk)

    def all_hold(r: Row, lk: WatchlistLookup) -> bool:
        for part in parts:  # noqa: SIM110 - faster than all() over a generator
            if not part(r, lk):
                return False
        return True

    return all_hold


def _any(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 2:
        a, b = parts
        return lambda r, lk: a(r, lk) or b(r, lk)
    if len(parts) == 3:
        a, b, c = parts
        return lambda r, lk: a(r, lk) or b(r, lk) or c(r, lk)

    def any_holds(r: Row, lk: WatchlistLookup) -> bool:
        for part in parts:  # noqa: SIM110 - faster than any() over a generator
            if part(r, lk):
                return True
        return False

    return any_holds


def _compare(op: str, left: ir.Node, right: ir.Node) -> Predicate:
    """``left op right`` is TRUE (both sides non-NULL and the comparison holds)."""
    if isinstance(left, ir.Const) and not isinstance(right, ir.Const):
        op, left, right = ir.FLIPPED[op], right, left
    if fast := fastpath.compare(op, left, right):
        return fast
    lhs, rhs, test = value_fn(left), value_fn(right), fastpath.ops_for(left)[op]

    def compare(r: Row, lk: WatchlistLookup) -> bool:
        a = lhs(r, lk)
        if a is None:
            return False
        b = rhs(r, lk)
        return b is not None and test(a, b)

    return compare


def _like(node: ir.Like, want: bool) -> Predicate:
    match = matcher(node.pattern.lowered() if node.ci else node.pattern)
    arg = value_fn(node.arg)
    if node.ci:
        lower = case.lower
        if want:
            return lambda r, lk: (v := arg(r, lk)) is not None and match(lower(v))
        return lambda r, lk: (v := arg(r, lk)) is not None and not match(lower(v))
    if want:
        return lambda r, lk: (v := arg(r, lk)) is not None and match(v)
    return lambda r, lk: (v := arg(r, lk)) is not None and not match(v)


def _in_list(node: ir.InList, want: bool) -> Predicate:
    values = frozenset(c.value for c in node.values)
    if not want and node.has_null:
        return lambda r, lk: False  # x NOT IN (..., NULL) is never TRUE
    if fast := fastpath.in_list(node, values, want):
        return fast
    arg: Fn = value_fn(node.arg)
    if want:
        return lambda r, lk: (v := arg(r, lk)) is not None and v in values
    return lambda r, lk: (v := arg(r, lk)) is not None and v not in values


def _between(node: ir.Between, want: bool) -> Predicate:
    arg, low, high = value_fn(node.arg), value_fn(node.low), value_fn(node.high)
    ops = fastpath.ops_for(node.arg)
    le, lt = ops["<="], ops["<"]
    if want:

        def between(r: Row, lk: WatchlistLookup) -> bool:
            v = arg(r, lk)
            if v is None:
                return False
            lo, hi = low(r, lk), high(r, lk)
            return lo is not None and hi is not None and le(lo, v) and le(v, hi)

        return between

    def outside(r: Row, lk: WatchlistLookup) -> bool:
        v = arg(r, lk)
        if v is None:
            return False
        lo = low(r, lk)
        if lo is not None and lt(v, lo):
            return True
        hi = high(r, lk)
        return hi is not None and lt(hi, v)

    return outside
