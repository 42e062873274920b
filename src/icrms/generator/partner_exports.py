"""The partner's side of the generated trade: export declarations as the exporting countries record them.

For every generated import declaration whose country of export is one of ``countries``, the
export declaration that country's customs would hold (with probability ``coverage``): the same
transport document and containers, lodged some days before the import by mode of transport,
and the goods *as they truly are* — true HS6, origin, quantity, net mass, and the true FOB value
in the exporter's currency. The planted import fraud therefore shows in the mirror: undervalued
imports declare well under the exported value, misclassified ones another HS6, false origins
another origin, quantity fraud a smaller quantity. Export values carry a small recording noise,
and a share of export declarations lacks the transport document (matching then falls back to
containers, or parties, goods and dates). Rows are flat (one per item, header repeated), in the
import's item order. Deterministic in (seed, declarations), like the import file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import identifiers as ids
from icrms.generator.headers import Run
from icrms.generator.tables import build_chunk, native_table
from icrms.generator.writers import open_writer

DEFAULT_CHUNK = 50_000
COVERAGE = 0.95  # share of eligible imports whose export declaration the partner sends
NO_DOCUMENT = 0.08  # export declarations recorded without the transport document
VALUE_NOISE = 0.02  # log-normal spread of the recorded export value
# days between export and import lodgement, per mode (sea, rail, road, air, postal)
TRANSIT_DAYS = np.array([[8.0, 30.0], [10.0, 20.0], [1.0, 5.0], [0.5, 3.0], [3.0, 12.0]])
_HS6 = np.array([p.hs6 for p in cat.PRODUCTS])

SCHEMA = pa.schema(
    [
        ("export_declaration_id", pa.string()),
        ("exported_at", pa.string()),
        ("country_of_export", pa.string()),
        ("country_of_destination", pa.string()),
        ("transport_mode", pa.string()),
        ("transport_document", pa.string()),
        ("containers", pa.string()),
        ("currency", pa.string()),
        ("exporter_id", pa.string()),
        ("consignee_id", pa.string()),
        ("item_no", pa.int32()),
        ("hs_code", pa.string()),
        ("description", pa.string()),
        ("country_of_origin", pa.string()),
        ("quantity", pa.float64()),
        ("quantity_unit", pa.string()),
        ("net_mass_kg", pa.float64()),
        ("gross_mass_kg", pa.float64()),
        ("statistical_value", pa.float64()),
    ]
)


@dataclass(frozen=True)
class PartnerExportResult:
    """What :func:`generate_partner_exports` wrote."""

    export_declarations: int
    rows: int
    path: Path


def partner_export_table(
    run: Run,
    start: int,
    stop: int,
    *,
    countries: Iterable[str] | None = None,
    destination: str = "XA",
    coverage: float = COVERAGE,
) -> pa.Table:
    """Export item rows for the import declarations ``start`` to ``stop - 1`` of ``run``."""
    imports, _ = native_table(run, start, stop)
    h, it, _dc, _ctl = build_chunk(run, start, stop)
    r, d = run.draws, h.d
    wanted = np.ones(len(geo.COUNTRY_CODES), bool)
    if countries is not None:
        wanted = np.isin(np.array(geo.COUNTRY_CODES), list(countries))
    sent = wanted[h.export] & r.chance("partner.export", d, coverage)
    keep = sent[it.decl]
    if not keep.any():
        return SCHEMA.empty_table()
    local = geo.LOCAL_CURRENCY[h.export]
    low, high = TRANSIT_DAYS[h.mode, 0], TRANSIT_DAYS[h.mode, 1]
    exported = h.lodged - (r.between("partner.transit", d, 0.0, 1.0) * (high - low) + low) * 86400
    stamp = pc.strftime(pa.array(exported.astype("datetime64[s]")), format="%Y-%m-%dT%H:%M:%S.000Z")
    no_doc = r.chance("partner.nodoc", d, NO_DOCUMENT)
    per_item = pa.array(it.decl)
    country = pa.array(geo.COUNTRY_CODES).take(pa.array(h.export))
    number = ids.padded(d + 1, 8)
    cur = local[it.decl]
    scale = 10.0 ** geo.CURRENCY_DECIMALS[cur]
    fob_usd = it.value_usd * it.fob_share * r.lognormal("partner.value", it.key, VALUE_NOISE)
    value = np.maximum(np.round(fob_usd / geo.USD_PER_UNIT[cur] * scale) / scale, 1 / scale)
    desc = cat.DESC_OFFSET[it.product]
    doc = pc.if_else(
        pa.array(no_doc),
        pa.scalar(None, pa.string()),
        imports.column("transport_document")
        .combine_chunks()
        .take(pa.array(np.cumsum(h.n_items) - h.n_items)),
    )
    cols = {
        "export_declaration_id": ids.join(country, "-EX-", number).take(per_item),
        "exported_at": stamp.take(per_item),
        "country_of_export": country.take(per_item),
        "country_of_destination": pa.array(np.full(it.decl.size, destination)),
        "transport_mode": imports.column("transport_mode").combine_chunks(),
        "transport_document": doc.take(per_item),
        "containers": imports.column("containers").combine_chunks(),
        "currency": pa.array(geo.CURRENCIES).take(pa.array(cur)),
        "exporter_id": imports.column("seller_id").combine_chunks(),
        "consignee_id": imports.column("importer_id").combine_chunks(),
        "item_no": pa.array(it.item_no, pa.int32()),
        "hs_code": ids.join(pa.array(_HS6).take(pa.array(it.product)), "00"),
        "description": pa.array(cat.DESCRIPTIONS).take(pa.array(desc)),
        "country_of_origin": pa.array(geo.COUNTRY_CODES).take(pa.array(it.origin)),
        "quantity": pa.array(it.quantity),
        "quantity_unit": pa.array(cat.UNIT_NAMES).take(pa.array(cat.UNIT_OF[it.product])),
        "net_mass_kg": pa.array(it.net),
        "gross_mass_kg": pa.array(it.gross),
        "statistical_value": pa.array(value),
    }
    return pa.table(cols, schema=SCHEMA).filter(pa.array(keep))


def generate_partner_exports(
    declarations: int,
    seed: int,
    out: Path,
    *,
    countries: Iterable[str] | None = None,
    destination: str = "XA",
    coverage: float = COVERAGE,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> PartnerExportResult:
    """Write the export side of ``generate(declarations, seed, ...)`` to ``out`` (.parquet/.csv/.jsonl)."""
    out = Path(out)
    if not 0 <= coverage <= 1:
        raise ValueError(f"coverage must be between 0 and 1, got {coverage!r}")
    picked = None if countries is None else sorted(set(countries))
    for code in picked or []:
        if code not in geo.COUNTRY_INDEX:
            raise ValueError(f"countries: {code!r} is not a country of the generated world")
    run = Run.create(int(seed), int(declarations))
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    writer = open_writer(part, SCHEMA, out.suffix.lower())
    rows, heads = 0, set()
    try:
        for start in range(0, declarations, chunk_size):
            stop = min(start + chunk_size, declarations)
            table = partner_export_table(
                run, start, stop, countries=picked, destination=destination, coverage=coverage
            )
            writer.write(table)
            rows += table.num_rows
            heads.update(table.column("export_declaration_id").to_pylist())
            if progress is not None:
                progress(stop)
        writer.close()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, out)
    return PartnerExportResult(len(heads), rows, out)
