"""The few SQL spellings that differ between DuckDB and Spark, and literal helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icrms.profiles.schemas import CHANNELS_BY_RANK


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
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def case(column: str, mapping: dict[str, Any], default: object) -> str:
    if not mapping:
        return lit(default)
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in sorted(mapping.items()))
    return f"CASE {column} {whens} ELSE {lit(default)} END"


def rank_name(rank: str) -> str:
    whens = " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(CHANNELS_BY_RANK))
    return f"CASE {rank} {whens} END"
