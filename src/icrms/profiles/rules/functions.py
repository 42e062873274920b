"""The whitelisted functions (LEFT, RIGHT, LOWER, UPPER, LENGTH, ABS, COALESCE, ROUND, SUBSTR,
``in_watchlist('list', value)``) and CASE.

Length and position arguments must be integer literals (LEFT/RIGHT length >= 0, SUBSTR start
>= 1 and length >= 0, ROUND digits in -15..15): DuckDB and Spark disagree on negative and zero
positions, and literals keep every engine on the common ground.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from icrms.profiles.rules import ir

if TYPE_CHECKING:
    from icrms.profiles.rules.check import Checker

WATCHLIST_FUNCTION = "in_watchlist"
MAX_LENGTH_ARG = 100_000
ROUND_DIGITS = 15
_STRING_FUNCS = {exp.Lower: "LOWER", exp.Upper: "UPPER"}


def convert_call(checker: Checker, e: exp.Func) -> ir.Node:
    """Convert a function call, rejecting any function outside the whitelist."""
    if isinstance(e, exp.Anonymous) and e.name.lower() == WATCHLIST_FUNCTION:
        return _watchlist(checker, e)
    if type(e) in _STRING_FUNCS:
        name = _STRING_FUNCS[type(e)]
        return ir.Call(name, (_string_arg(checker, e.this, name),), (), "string")
    if isinstance(e, exp.Length) and not e.args.get("binary"):
        return ir.Call("LENGTH", (_string_arg(checker, e.this, "LENGTH"),), (), "number", True)
    if isinstance(e, exp.Abs):
        arg = checker.typed(e.this, "number", "argument of ABS")
        return ir.Call("ABS", (arg,), (), "number", arg.integer)
    if isinstance(e, exp.Coalesce) and not e.args.get("is_null"):
        return _coalesce(checker, e)
    if isinstance(e, exp.Left | exp.Right):
        name = "LEFT" if isinstance(e, exp.Left) else "RIGHT"
        arg = _string_arg(checker, e.this, name)
        n = _int_param(checker, e.expression, f"length of {name}", 0, MAX_LENGTH_ARG)
        return ir.Call(name, (arg,), (n,), "string")
    if isinstance(e, exp.Substring):
        return _substring(checker, e)
    if isinstance(e, exp.Round) and not e.args.get("truncate"):
        arg = checker.typed(e.this, "number", "argument of ROUND")
        digits = e.args.get("decimals")
        n = 0
        if digits is not None:
            n = _int_param(checker, digits, "digits of ROUND", -ROUND_DIGITS, ROUND_DIGITS)
        return ir.Call("ROUND", (ir.ToDouble(arg) if arg.integer else arg,), (n,), "number")
    checker.fail(e, f"function {checker.func_name(e)} is not allowed")


def _string_arg(checker: Checker, e: exp.Expression | None, name: str) -> ir.Node:
    if e is None:
        raise AssertionError(name)  # sqlglot enforces the argument count
    return checker.typed(e, "string", f"argument of {name}")


def _int_param(checker: Checker, e: exp.Expression, what: str, low: int, high: int) -> int:
    node = checker.convert(e)
    if not (isinstance(node, ir.Const) and node.is_int and low <= node.value <= high):
        checker.fail(e, f"{what} must be an integer literal from {low} to {high}")
    return int(node.value)


def _coalesce(checker: Checker, e: exp.Coalesce) -> ir.Node:
    parts = [e.this, *e.expressions]
    items = [(p, checker.convert(p)) for p in parts]
    args = tuple(checker.unify(items, "COALESCE"))
    kinds = {a.type for a in args} - {ir.NULL}
    if not kinds:
        checker.fail(e, "COALESCE of only NULLs is always NULL")
    is_int = all(a.integer for a in args if a.type != ir.NULL)
    return ir.Call("COALESCE", args, (), kinds.pop(), is_int)


def _substring(checker: Checker, e: exp.Substring) -> ir.Node:
    arg = _string_arg(checker, e.this, "SUBSTR")
    start_e = e.args.get("start")
    if start_e is None:
        checker.fail(e, "SUBSTR needs a start position")
    ints = [_int_param(checker, start_e, "start of SUBSTR", 1, MAX_LENGTH_ARG)]
    length_e = e.args.get("length")
    if length_e is not None:
        ints.append(_int_param(checker, length_e, "length of SUBSTR", 0, MAX_LENGTH_ARG))
    return ir.Call("SUBSTR", (arg,), tuple(ints), "string")


def _watchlist(checker: Checker, e: exp.Anonymous) -> ir.Node:
    args = e.expressions
    usage = f"{WATCHLIST_FUNCTION}('list_name', field) takes a list name and a value"
    if len(args) != 2:
        checker.fail(e, usage)
    name_e, value_e = args
    if not (isinstance(name_e, exp.Literal) and name_e.is_string and name_e.this.strip()):
        checker.fail(name_e, f"{usage}; the list name must be a non-empty string literal")
    value = checker.typed(value_e, "string", f"value of {WATCHLIST_FUNCTION}")
    return ir.Watch(name_e.this, value)


def convert_case(checker: Checker, e: exp.Case) -> ir.Node:
    """Searched or simple CASE; a simple CASE compares its subject with ``=``."""
    subject = e.this
    conds: list[ir.Node] = []
    results: list[tuple[exp.Expression, ir.Node]] = []
    for when in e.args.get("ifs") or []:
        cond_e, value_e = when.this, when.args["true"]
        if subject is None:
            conds.append(checker.typed(cond_e, "bool", "CASE WHEN condition"))
        else:
            conds.append(checker.compare(exp.EQ(this=subject, expression=cond_e), "="))
        results.append((value_e, checker.convert(value_e)))
    default_e = e.args.get("default")
    if default_e is not None:
        results.append((default_e, checker.convert(default_e)))
    values = checker.unify(results, "CASE results")
    kinds = {v.type for v in values} - {ir.NULL}
    kind = kinds.pop() if kinds else ir.NULL
    is_int = all(v.integer for v in values if v.type != ir.NULL)
    default = values.pop() if default_e is not None else None
    return ir.Case(tuple(zip(conds, values, strict=True)), default, kind, is_int)
