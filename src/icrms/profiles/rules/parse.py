"""Parse a criterion with sqlglot (DuckDB dialect) into a validated :class:`Criterion`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import sqlglot
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from icrms.profiles.rules import ir
from icrms.profiles.rules.check import Checker
from icrms.profiles.rules.errors import CriterionError
from icrms.profiles.rules.fields import FieldCatalog, FieldType, resolve_catalog
from icrms.profiles.rules.text import ALLOWED_WHITESPACE, codepoint, first_unseen

MAX_CRITERION_LENGTH = 20_000
READ_DIALECT = "duckdb"


@dataclass(frozen=True, slots=True)
class Criterion:
    """A validated criterion.

    Attributes:
        text: The criterion as written.
        root: Its typed tree (boolean).
        fields: Names of the fields it reads.
        watchlists: Names of the watchlists it consults.
        catalog: The field catalogue it was checked against.
    """

    text: str
    root: ir.Node
    fields: frozenset[str]
    watchlists: frozenset[str]
    catalog: FieldCatalog


def parse_criterion(
    criterion: str,
    *,
    catalog: FieldCatalog | None = None,
    extra_fields: Mapping[str, FieldType | str | pa.DataType] | None = None,
) -> Criterion:
    """Parse, whitelist and type-check a criterion.

    Args:
        criterion: A SQL boolean expression, e.g. ``hs4 = '8517' AND unit_value < 20``.
        catalog: Allowed fields (default: the declaration item row).
        extra_fields: More fields on top of ``catalog``, e.g. ``{"model_score": "number"}``.

    Raises:
        CriterionError: The criterion is not a valid, allowed boolean expression.
    """
    cat = resolve_catalog(catalog, extra_fields)
    if not isinstance(criterion, str):
        raise CriterionError(str(criterion), "criterion must be a string")
    if len(criterion) > MAX_CRITERION_LENGTH:
        raise CriterionError(criterion, f"criterion is longer than {MAX_CRITERION_LENGTH} chars")
    at = first_unseen(criterion, ALLOWED_WHITESPACE)
    if at is not None:
        ch = criterion[at]
        raise CriterionError(
            criterion,
            f"character {codepoint(ch)} is not allowed in a criterion "
            "(control, invisible and direction-changing characters are refused)",
            at,
        )
    tree = _parse_sql(criterion)
    root = Checker(criterion, cat).convert(tree)
    if root.type != "bool":
        got = "NULL" if root.type == ir.NULL else root.type
        raise CriterionError(criterion, f"criterion must be a boolean expression, got {got}", 0)
    if ir.compiled_size(root) > ir.MAX_COMPILED_SIZE:
        raise CriterionError(
            criterion,
            "criterion is too complex: its nested divisions and ROUNDs would compile to more "
            f"than {ir.MAX_COMPILED_SIZE:,} terms",
            0,
        )
    fields = frozenset(n.name for n in ir.walk(root) if isinstance(n, ir.Col))
    lists = frozenset(n.name for n in ir.walk(root) if isinstance(n, ir.Watch))
    return Criterion(criterion, root, fields, lists, cat)


def ensure_criterion(
    criterion: str | Criterion,
    catalog: FieldCatalog | None = None,
    extra_fields: Mapping[str, FieldType | str | pa.DataType] | None = None,
) -> Criterion:
    """``criterion`` itself when already parsed, else :func:`parse_criterion` of it."""
    if isinstance(criterion, Criterion):
        return criterion
    return parse_criterion(criterion, catalog=catalog, extra_fields=extra_fields)


def _parse_sql(text: str) -> sqlglot.exp.Expression:
    try:
        tokens = sqlglot.tokenize(text, read=READ_DIALECT)
    except TokenError as err:
        raise CriterionError(text, f"cannot read the criterion: {err}", _open_quote(text)) from err
    if not tokens:
        raise CriterionError(text, "criterion is empty", 0)
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            raise CriterionError(text, "';' is not allowed (one expression only)", token.start)
    try:
        statements = sqlglot.parse(text, read=READ_DIALECT)
    except RecursionError:
        raise CriterionError(text, "expression is nested too deeply", 0) from None
    except ParseError as err:
        detail = err.errors[0] if err.errors else {}
        reason = str(detail.get("description") or err).split("\n")[0]
        raise CriterionError(text, f"syntax error: {reason}", _offset(text, detail)) from err
    if len(statements) != 1 or statements[0] is None:
        raise CriterionError(text, "criterion must be exactly one expression", 0)
    return statements[0]


def _offset(text: str, detail: dict) -> int | None:
    """Character offset from sqlglot's (line, col) error info (col ends the highlight)."""
    line, col = detail.get("line"), detail.get("col")
    if not isinstance(line, int) or not isinstance(col, int):
        return None
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    base = starts[min(max(line, 1), len(starts)) - 1]
    width = len(detail.get("highlight") or "") or 1
    return max(0, min(len(text), base + col - width))


def _open_quote(text: str) -> int | None:
    """Offset of an unterminated quote, if any."""
    quote: str | None = None
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None and ch in "'\"":
            quote, start = ch, i
        elif ch == quote:
            if i + 1 < len(text) and text[i + 1] == quote:
                i += 1
            else:
                quote = None
        i += 1
    return start if quote is not None else None
