"""Headers of declarations already in the warehouse, so that later items must agree with them.

A declaration whose items disagree on a header field is refused whole when its items arrive
together. Items that arrive later (a later batch of the same file, or another file) are checked
against the header already loaded: the warehouse never holds a declaration whose items disagree,
so the live and the bulk engine read the same header.
"""

from __future__ import annotations

import pyarrow as pa

from icrms.ingest.validation import KNOWN_HEADS
from icrms.warehouse.base import Warehouse

# fact_item's column for each typed header column of the validator
_STORED = {
    "_lodged_ts": "f.lodged_at",
    "_lodged_date": "f.lodged_date",
    "_aeo": "coalesce(f.aeo, FALSE)",
}


def stored_heads(warehouse: Warehouse, keys: pa.Table) -> pa.Table:
    """The distinct headers of the declarations ``keys`` (declaration_id, version) names."""
    if keys.num_rows == 0:
        return KNOWN_HEADS.empty_table()
    warehouse.register("ingest_keys", keys)
    columns = ", ".join(f"{_STORED.get(n, 'f.' + n)} AS {n}" for n in KNOWN_HEADS.names)
    found = warehouse.sql(
        f"SELECT DISTINCT {columns} FROM fact_item f JOIN ingest_keys k "
        "ON f.declaration_id = k.declaration_id AND f.version = k.version"
    )
    return found.cast(KNOWN_HEADS)
