"""The oracle file: what the generator's mechanisms knew about every item, beside the data.

``generate`` writes ``<name>.oracle.parquet`` next to ``<name>.<suffix>``: one row per item row of
the data file, in the same order, with the probability of an irregularity and the expected evaded
duty that the mechanisms used (``fraud.py``), for the item and for its declaration, the true
label and revenue of every item (controlled or not), and how the old rules' controls selected the
declaration. Nothing in icrms trains on it: ``icrms evaluate`` reads it only to rank the test
rows as the oracle would and to know which declarations the old rules selected.

Money is in the data file's units: the declaration's currency (native) or USD (DATE).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from icrms.generator import geography as geo
from icrms.generator.controls import NONE, RANDOM, TARGETED
from icrms.generator.tables import Chunk, declaration_ids

SUFFIX = ".oracle.parquet"
SCHEMA = pa.schema(
    [
        ("declaration_id", pa.string()),
        ("item_no", pa.int32()),  # position of the item in its declaration, from 1
        ("p_fraud", pa.float64()),
        ("expected_revenue", pa.float64()),
        ("p_fraud_declaration", pa.float64()),
        ("expected_revenue_declaration", pa.float64()),
        ("fraud", pa.int8()),  # the truth, controlled or not
        ("revenue", pa.float64()),
        ("selection", pa.string()),  # the old rules: none, random or targeted
    ]
)
_SELECTION = pa.array(
    [
        n
        for n, _ in sorted(
            {"none": NONE, "random": RANDOM, "targeted": TARGETED}.items(), key=lambda x: x[1]
        )
    ]
)


def oracle_path(data: Path) -> Path:
    """Where the oracle of a data file is (``declarations.csv`` → ``declarations.oracle.parquet``)."""
    return data.with_name(data.stem + SUFFIX)


def oracle_table(chunk: Chunk, fmt: str) -> pa.Table:
    """The oracle rows of a chunk, in the order of the data rows."""
    h, it, dc, ctl = chunk
    starts = np.cumsum(h.n_items) - h.n_items
    if fmt == "date":
        per_unit = np.ones(it.decl.size)
    else:  # the declaration's currency
        per_unit = 1.0 / geo.USD_PER_UNIT[h.currency[it.decl]]
    expected = dc.expected_usd * per_unit
    clean = np.multiply.reduceat(1.0 - dc.p_fraud, starts)
    per_decl = pa.array(it.decl)
    return pa.table(
        {
            "declaration_id": declaration_ids(h, fmt).take(per_decl),
            "item_no": pa.array(it.item_no, pa.int32()),
            "p_fraud": pa.array(dc.p_fraud),
            "expected_revenue": pa.array(expected),
            "p_fraud_declaration": pa.array((1.0 - clean)[it.decl]),
            "expected_revenue_declaration": pa.array(np.add.reduceat(expected, starts)[it.decl]),
            "fraud": pa.array((dc.types > 0).astype(np.int8)),
            "revenue": pa.array(dc.extra_usd * per_unit),
            "selection": _SELECTION.take(pa.array(ctl.selection[it.decl])),
        },
        schema=SCHEMA,
    )
