"""Which profiles match which items, in SQL: reference tables, criterion templates, the index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from icrms.declarations.fields import ITEM_KEY, MIRROR_COLUMNS, mirror_schema
from icrms.profiles import rules
from icrms.profiles.rules import ir
from icrms.profiles.schemas import CHANNEL_RANK
from icrms.profiles.watchlists import WatchlistSnapshot
from icrms.selectivity.draw import threshold_hex
from icrms.selectivity.engine import Snapshot, index_key
from icrms.selectivity.sql import Dialect
from icrms.selectivity.templates import Template, parameterize
from icrms.warehouse.base import Warehouse

ITEMS = "bulk_items"


def watchlist_table(watchlists: dict[str, WatchlistSnapshot]) -> pa.Table:
    """Watchlist entries in force, as the table the compiled criteria read (``bulk_watchlist``)."""
    entries = [
        (
            name,
            entry.watchlist.kind,
            value,
            entry.watchlist.score,
            CHANNEL_RANK[entry.watchlist.min_channel],
        )
        for name, entry in watchlists.items()
        for value in entry.values
    ]
    schema = pa.schema(
        [
            ("list", pa.string()),
            ("kind", pa.string()),
            ("value", pa.string()),
            ("w_score", pa.int32()),
            ("w_rank", pa.int32()),
        ]
    )
    return pa.Table.from_pylist([dict(zip(schema.names, e, strict=True)) for e in entries], schema)


def items_view(
    warehouse: Warehouse, items_sql: str, *, mirror: pa.Table | None, reads_mirror: bool
) -> None:
    """The view ``bulk_items``: the rows ``items_sql`` selects, with their mirror fields when a
    criterion reads one (``mirror``: one row per matched item; NULL for the others)."""
    if not reads_mirror:
        warehouse.execute(f"CREATE OR REPLACE TEMP VIEW {ITEMS} AS {items_sql}")
        return
    if mirror is None:
        mirror = mirror_schema().empty_table()
    warehouse.register("bulk_mirror", mirror.select([*ITEM_KEY, *MIRROR_COLUMNS]))
    fields = ", ".join(f"m.{name}" for name in MIRROR_COLUMNS)
    warehouse.execute(
        f"""CREATE OR REPLACE TEMP VIEW {ITEMS} AS SELECT i.*, {fields} FROM ({items_sql}) i
        LEFT JOIN bulk_mirror m ON m.declaration_id = i.declaration_id AND m.version = i.version
            AND m.item_no = i.item_no"""
    )


def criterion_sql(criterion: rules.Criterion, dialect: str) -> str:
    """A criterion as SQL over ``bulk_items``, reading watchlists from ``bulk_watchlist``."""
    return rules.to_sql(
        criterion,
        dialect,  # type: ignore[arg-type]
        watchlist_table="bulk_watchlist",
        watchlist_name_column="list",
        watchlist_value_column="value",
    )


def reference_tables(snapshot: Snapshot) -> dict[str, pa.Table]:
    profiles = pa.table(
        {
            "p": pa.array(range(len(snapshot.profiles)), pa.int32()),
            # typed even when empty: Spark refuses a column of NULL type in a CASE
            "code": pa.array([p.code for p in snapshot.profiles], pa.string()),
            "profile_version": pa.array([p.version for p in snapshot.profiles], pa.int32()),
            "category": pa.array([p.category for p in snapshot.profiles], pa.string()),
            "score": pa.array([p.score for p in snapshot.profiles], pa.int32()),
            "min_rank": pa.array([p.min_rank for p in snapshot.profiles], pa.int32()),
            "rate_hex": pa.array(
                [threshold_hex(p.selection_rate) for p in snapshot.profiles], pa.string()
            ),
            "sampled": pa.array([p.selection_rate < 1 for p in snapshot.profiles], pa.bool_()),
        }
    )
    index = [
        {"field": key[0], "value": value, "p": i}
        for i, key in enumerate(index_key(p) for p in snapshot.profiles)
        if key is not None
        for value in key[1]
    ]
    index_schema = pa.schema([("field", pa.string()), ("value", pa.string()), ("p", pa.int32())])
    return {
        "bulk_profiles": profiles,
        "bulk_watchlist": watchlist_table(snapshot.watchlists),
        "bulk_profile_index": pa.Table.from_pylist(index, index_schema),
    }


@dataclass
class _Shape:
    """Profiles sharing one criterion template (and index field), with their constants."""

    template: Template
    field: str | None
    rows: list[dict[str, Any]]


def _shapes(snapshot: Snapshot) -> list[_Shape]:
    shapes: dict[tuple[ir.Node, str | None], _Shape] = {}
    for i, profile in enumerate(snapshot.profiles):
        template, values = parameterize(profile.criterion.root)
        key = index_key(profile)
        field = key[0] if key else None
        shape = shapes.setdefault((template.root, field), _Shape(template, field, []))
        shape.rows.append(
            {"p": i, **{c.name: v for c, v in zip(template.params, values, strict=True)}}
        )
    return list(shapes.values())


def matches_sql(snapshot: Snapshot, d: Dialect) -> tuple[str, dict[str, pa.Table]]:
    """(declaration, item, profile) for every item a profile's criterion is TRUE on.

    Each criterion template is evaluated once, joined with the table of its profiles' constants;
    a profile with an index key only meets the rows that hold one of its values.
    """
    parts, tables = [], {}
    for n, shape in enumerate(_shapes(snapshot)):
        name = f"bulk_shape_{n}"
        tables[name] = pa.Table.from_pylist(shape.rows, shape.template.schema())
        condition = rules.to_sql(
            rules.Criterion(
                "", shape.template.root, frozenset(), frozenset(), rules.resolve_catalog(None, None)
            ),
            d.name,  # type: ignore[arg-type]
            watchlist_table="bulk_watchlist",
            watchlist_name_column="list",
            watchlist_value_column="value",
        )
        if shape.field is None:
            source = f"{ITEMS} i CROSS JOIN {name} pt"
        else:
            source = (
                f"{ITEMS} i JOIN bulk_profile_index x ON x.field = '{shape.field}' AND x.value = i.{shape.field} "
                f"JOIN {name} pt ON pt.p = x.p"
            )
        parts.append(
            f"SELECT i.declaration_id, i.version, i.item_no, pt.p FROM {source} WHERE {condition}"
        )
    empty = (
        f"SELECT declaration_id, version, item_no, CAST(NULL AS INT) AS p FROM {ITEMS} WHERE FALSE"
    )
    return " UNION ALL ".join(parts) or empty, tables
