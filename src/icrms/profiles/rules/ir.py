"""The validated, typed tree a criterion is parsed into; both compilers read only this.

Negated forms (NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL, IS NOT TRUE) are a :class:`Not`
around the positive node, which is exactly their SQL meaning. Numbers that enter arithmetic are
doubles in every engine (integers are wrapped in :class:`ToDouble`), so the Python evaluator,
DuckDB and Spark compute the same IEEE results.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from icrms.profiles.rules.like import LikePattern

NULL = "null"
"""Type of a bare NULL literal (compatible with every type)."""

COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
NEGATED = {"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node: ``type`` is the result type, ``integer`` flags integer numbers."""

    def children(self) -> tuple[Node, ...]:
        """Direct sub-expressions."""
        return ()

    @property
    def type(self) -> str:
        return "bool"

    @property
    def integer(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Const(Node):
    """A literal: str, int, float, bool, date, datetime (aware, UTC) or None."""

    value: Any
    kind: str
    is_int: bool = False

    @property
    def type(self) -> str:
        return self.kind

    @property
    def integer(self) -> bool:
        return self.is_int


@dataclass(frozen=True, slots=True)
class Col(Node):
    """A field of the row."""

    name: str
    kind: str
    is_int: bool = False

    @property
    def type(self) -> str:
        return self.kind

    @property
    def integer(self) -> bool:
        return self.is_int


@dataclass(frozen=True, slots=True)
class Cmp(Node):
    """``left op right`` with op in :data:`COMPARISONS`."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Logic(Node):
    """``AND`` / ``OR`` of two or more boolean operands (flattened)."""

    op: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Not(Node):
    """``NOT arg``."""

    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class InList(Node):
    """``arg IN (values)``: non-NULL literal values, and whether the list held a NULL."""

    arg: Node
    values: tuple[Const, ...]
    has_null: bool

    def children(self) -> tuple[Node, ...]:
        return (self.arg, *self.values)


@dataclass(frozen=True, slots=True)
class Between(Node):
    """``arg BETWEEN low AND high`` (= ``arg >= low AND arg <= high``)."""

    arg: Node
    low: Node
    high: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg, self.low, self.high)


@dataclass(frozen=True, slots=True)
class Like(Node):
    """``arg LIKE pattern`` or ``ILIKE`` when ``ci``; the pattern is a literal."""

    arg: Node
    pattern: LikePattern
    ci: bool

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class IsNull(Node):
    """``arg IS NULL`` (never NULL itself)."""

    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class IsBool(Node):
    """``arg IS TRUE`` / ``arg IS FALSE`` (never NULL itself)."""

    arg: Node
    value: bool

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class Arith(Node):
    """``left op right`` with op in ``+ - * /`` over doubles; ``x / 0`` is NULL."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    @property
    def type(self) -> str:
        return "number"


@dataclass(frozen=True, slots=True)
class Negate(Node):
    """Unary minus."""

    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)

    @property
    def type(self) -> str:
        return "number"

    @property
    def integer(self) -> bool:
        return self.arg.integer


@dataclass(frozen=True, slots=True)
class ToDouble(Node):
    """An integer number converted to double before arithmetic."""

    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)

    @property
    def type(self) -> str:
        return "number"


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A whitelisted function; ``ints`` are its integer-literal parameters (LEFT's length...)."""

    name: str
    args: tuple[Node, ...]
    ints: tuple[int, ...]
    kind: str
    is_int: bool = False

    def children(self) -> tuple[Node, ...]:
        return self.args

    @property
    def type(self) -> str:
        return self.kind

    @property
    def integer(self) -> bool:
        return self.is_int


@dataclass(frozen=True, slots=True)
class Case(Node):
    """Searched ``CASE WHEN cond THEN value ... [ELSE default] END``."""

    whens: tuple[tuple[Node, Node], ...]
    default: Node | None
    kind: str
    is_int: bool = False

    def children(self) -> tuple[Node, ...]:
        flat = tuple(n for pair in self.whens for n in pair)
        return flat if self.default is None else (*flat, self.default)

    @property
    def type(self) -> str:
        return self.kind

    @property
    def integer(self) -> bool:
        return self.is_int


@dataclass(frozen=True, slots=True)
class Watch(Node):
    """``in_watchlist('name', arg)``: NULL when arg is NULL."""

    name: str
    arg: Node

    def children(self) -> tuple[Node, ...]:
        return (self.arg,)


PREDICATES = (Cmp, Logic, Not, InList, Between, Like, IsNull, IsBool, Watch)
"""Node classes compiled primarily as truth tests (the others as values)."""


def walk(node: Node) -> Iterator[Node]:
    """Pre-order traversal."""
    yield node
    for child in node.children():
        yield from walk(child)


MAX_COMPILED_SIZE = 100_000
"""Refuse criteria whose compiled SQL would exceed this many terms (see :func:`compiled_size`)."""


def compiled_size(node: Node) -> int:
    """Terms of the compiled SQL, counting the copies the compilers make: the Spark form of
    ``a / b`` repeats ``a`` twice and ``b`` three times, ROUND repeats its argument up to six
    times, a watchlist test its value twice; so nesting multiplies, and is bounded."""
    if isinstance(node, Arith) and node.op == "/":
        return 1 + 2 * compiled_size(node.left) + 3 * compiled_size(node.right)
    if isinstance(node, Call) and node.name == "ROUND":
        return 1 + 6 * compiled_size(node.args[0])
    if isinstance(node, Watch):
        return 1 + 2 * compiled_size(node.arg)
    return 1 + sum(compiled_size(child) for child in node.children())
