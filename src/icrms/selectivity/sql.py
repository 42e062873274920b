"""The few SQL spellings that differ between DuckDB and Spark, literal helpers, and running a
bulk query without letting an engine's error message repeat the query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from icrms.errors import IcrmsError, cut
from icrms.profiles.schemas import CHANNELS_BY_RANK

if TYPE_CHECKING:
    from icrms.warehouse.base import Warehouse

# Characters a string literal cannot hold alike in DuckDB and Spark: Spark reads a backslash
# as an escape, DuckDB does not; a quote must be doubled in one and may be escaped in the other.
_UNSAFE_IN_LITERAL = ("\\", "'")


@dataclass(frozen=True)
class Dialect:
    """The few SQL spellings that differ between DuckDB and Spark."""

    name: str

    def keep_non_null(self, values: str) -> str:
        if self.name == "spark":
            return f"filter(array({values}), x -> x IS NOT NULL)"
        return f"list_filter([{values}], lambda x: x IS NOT NULL)"

    def explode(self, array: str) -> str:
        return f"explode({array})" if self.name == "spark" else f"unnest({array})"

    def split(self, text: str, sep: str) -> str:
        return (
            f"split({text}, '{sep}')" if self.name == "spark" else f"string_split({text}, '{sep}')"
        )

    def sorted_list(self, value: str) -> str:
        return (
            f"array_sort(collect_list({value}))"
            if self.name == "spark"
            else f"list_sort(list({value}))"
        )

    def list_by(self, value: str, key: str) -> str:
        """The values of a group as a list ordered by ``key``."""
        if self.name == "spark":
            return (
                f"transform(array_sort(collect_list(struct({key} AS k, {value} AS v))), s -> s.v)"
            )
        # sorting the collected list is faster than DuckDB's ordered aggregate
        return (
            f"list_transform(list_sort(list(struct_pack(k := {key}, v := {value}))), lambda s: s.v)"
        )

    def struct(self, pairs: dict[str, str]) -> str:
        if self.name == "spark":
            return "named_struct(" + ", ".join(f"'{k}', {v}" for k, v in pairs.items()) + ")"
        return "struct_pack(" + ", ".join(f'"{k}" := {v}' for k, v in pairs.items()) + ")"

    def json_object(self, pairs: dict[str, str]) -> str:
        return f"to_json({self.struct(pairs)})"

    def json_list_by(self, pairs: dict[str, str], key: str) -> str:
        """A group's objects as one JSON array text, ordered by ``key``."""
        return f"to_json({self.list_by(self.struct(pairs), key)})"

    def join_json(self, arrays: list[str], objects: list[str]) -> str:
        """One JSON array text from JSON array texts and JSON object texts (NULLs left out)."""
        inner = [f"substr({a}, 2, length({a}) - 2)" for a in arrays]
        joined = f"concat_ws(',', {', '.join(inner + objects)})"
        return f"concat('[', {joined}, ']')"


def lit(value: object) -> str:
    """A SQL literal that DuckDB and Spark read as the same value.

    Text is single-quoted; a backslash or a quote in it is spelled ``chr(92)`` / ``chr(39)``
    and joined with ``concat``, so neither engine's escaping rules apply (``'0042\\'`` would
    end Spark's literal early, and SQL variable substitution is switched off in every Spark
    session icrms makes).
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if not any(ch in text for ch in _UNSAFE_IN_LITERAL):
        return f"'{text}'"
    parts: list[str] = []
    run: list[str] = []
    for ch in text:
        if ch in _UNSAFE_IN_LITERAL:
            if run:
                parts.append("'" + "".join(run) + "'")
                run.clear()
            parts.append(f"chr({ord(ch)})")
        else:
            run.append(ch)
    if run:
        parts.append("'" + "".join(run) + "'")
    return parts[0] if len(parts) == 1 else f"concat({', '.join(parts)})"


def case(column: str, mapping: dict[str, Any], default: object) -> str:
    if not mapping:
        return lit(default)
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in sorted(mapping.items()))
    return f"CASE {column} {whens} ELSE {lit(default)} END"


def rank_name(rank: str) -> str:
    whens = " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(CHANNELS_BY_RANK))
    return f"CASE {rank} {whens} END"


class BulkQueryError(IcrmsError):
    """A bulk query failed in the warehouse; the message never repeats the query."""


def run_query(warehouse: Warehouse, query: str, what: str) -> pa.Table:
    """``warehouse.sql(query)``, with an engine error turned into a short :class:`BulkQueryError`
    (Spark repeats the whole query in its messages; the first line is kept, cut short)."""
    try:
        return warehouse.sql(query)
    except Exception as exc:  # the engines raise their own classes
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BulkQueryError(
            f"{what} failed in the {warehouse.backend} warehouse: {cut(first, 300)}"
        ) from None
