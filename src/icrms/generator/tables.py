"""Assemble a chunk's Arrow table: the native flat format (with control columns) or DATE."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from icrms.declarations.fields import (
    CLEARANCE_FIELDS,
    CONTROL_FIELDS,
    IRREGULARITY_TYPES,
    NATIVE_FIELDS,
    OUTCOMES,
)
from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import identifiers as ids
from icrms.generator import routes as rt
from icrms.generator.clearance import CHANNELS
from icrms.generator.controls import NONE, SEIZURE, Controls, control
from icrms.generator.documents import (
    container_lists,
    iso_timestamps,
    local_dates,
    transport_documents,
)
from icrms.generator.fraud import Declared, declare
from icrms.generator.headers import START, Headers, Run, draw_headers
from icrms.generator.items import Items, draw_items

NATIVE_SCHEMA = pa.schema(
    [  # timestamps are written as ISO 8601 strings
        pa.field(f.name, pa.string() if pa.types.is_timestamp(f.type) else f.type)
        for f in NATIVE_FIELDS + CONTROL_FIELDS + CLEARANCE_FIELDS
    ]
)
DATE_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("sgd.id", "sgd.date", "importer.id", "declarant.id")]
    + [(name, pa.string()) for name in ("country", "office.id", "tariff.code")]
    + [(name, pa.float64()) for name in ("quantity", "gross.weight", "fob.value", "cif.value")]
    + [("total.taxes", pa.float64()), ("illicit", pa.int8()), ("revenue", pa.float64())]
)
_TYPE_TEXT = [
    ";".join(t for i, t in enumerate(IRREGULARITY_TYPES) if m >> i & 1) or None
    for m in range(1 << len(IRREGULARITY_TYPES))
]
_STRINGS = {name: pa.array(values) for name, values in {
    "country": geo.COUNTRY_CODES,
    "office": geo.OFFICE_CODES,
    "mode": geo.MODES,
    "currency": geo.CURRENCIES,
    "courier": geo.COURIERS,
    "preference": geo.PREFERENCES,
    "marking": [c for c, _ in geo.ORIGIN_MARKINGS],
    "unit": cat.UNIT_NAMES,
    "hs10": cat.HS10,
    "description": cat.DESCRIPTIONS,
    "types": _TYPE_TEXT,
    "outcome": OUTCOMES,
    "selection": ("", "random", "targeted"),  # controls.NONE, RANDOM, TARGETED
    "channel": CHANNELS,
    "goods": [r.goods for r in rt.ROUTES],
    "concealment": [r.concealment for r in rt.ROUTES],
    "modus": [r.modus_operandi for r in rt.ROUTES],
}.items()}  # fmt: skip


def lookup(name: str, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings of a code list by index; null where ``valid`` is false."""
    mask = None if valid is None else ~valid
    return _STRINGS[name].take(pa.array(index, pa.int64(), mask=mask))


def money(usd: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """USD amounts in the declaration currency, rounded to its minor unit."""
    scale = 10.0 ** geo.CURRENCY_DECIMALS[currency]
    return np.round(usd / geo.USD_PER_UNIT[currency] * scale) / scale


Chunk = tuple[Headers, Items, Declared, Controls]


def build_chunk(run: Run, start: int, stop: int) -> Chunk:
    """Draw declarations ``start`` to ``stop - 1`` (headers, items, declared values, controls)."""
    h = draw_headers(run, np.arange(start, stop, dtype=np.int64))
    it = draw_items(run, h)
    dc = declare(run, h, it)
    return h, it, dc, control(run, h, it, dc)


def _goods_columns(run: Run, h: Headers, it: Items, dc: Declared) -> dict[str, pa.Array]:
    r, k = run.draws, it.key
    cur = h.currency[it.decl]
    value = np.maximum(money(dc.value_usd, cur), 10.0 ** -geo.CURRENCY_DECIMALS[cur])
    scale = 10.0 ** geo.CURRENCY_DECIMALS[cur]
    text_of = np.where(dc.own_text, it.product, dc.product)
    desc = cat.DESC_OFFSET[text_of] + r.integers("desc", k, cat.DESC_COUNT[text_of])
    hs10 = cat.HS10_OFFSET[dc.product] + r.integers("hs10", k, cat.HS10_COUNT[dc.product])
    markings = np.cumsum([w for _, w in geo.ORIGIN_MARKINGS])
    return {
        "item_no": pa.array(it.item_no, pa.int32()),
        "hs_code": lookup("hs10", hs10),
        "description": lookup("description", desc),
        "country_of_origin": lookup("country", dc.origin),
        "origin_marking": lookup("marking", r.choice("marking", k, markings)),
        "preference": lookup("preference", dc.preference),
        "quantity": pa.array(dc.quantity),
        "quantity_unit": lookup("unit", cat.UNIT_OF[dc.product]),
        "net_mass_kg": pa.array(it.net),
        "gross_mass_kg": pa.array(it.gross),
        "customs_value": pa.array(value),
        "fob_value": pa.array(np.minimum(np.round(value * it.fob_share * scale) / scale, value)),
        "duty_rate": pa.array(dc.rate),
        "duty_amount": pa.array(np.round(value * dc.rate * scale) / scale),
    }


def _header_columns(run: Run, h: Headers, it: Items) -> dict[str, pa.Array]:
    p, n = run.pools, h.d.size
    office = lookup("office", h.office)
    owner = run.draws.integers("carrier", h.d, len(ids.CONTAINER_OWNERS))
    gross = np.add.reduceat(it.gross, np.cumsum(h.n_items) - h.n_items)
    return {
        "declaration_id": declaration_ids(h, "native"),
        "version": pa.array(np.ones(n, np.int32)),
        "lodged_at": iso_timestamps(h.lodged, h.utc_stamp),
        "office_code": office,
        **{
            c: pa.array([v for v, _ in pairs]).take(pa.array(h.codes[c]))
            for c, pairs in (
                ("declaration_type", geo.DECLARATION_TYPES),
                ("procedure", geo.PROCEDURES),
                ("import_use", geo.IMPORT_USES),
                ("payment_method", geo.PAYMENT_METHODS),
            )
        },
        "declarant_id": p.declarant_ids.take(pa.array(h.declarant)),
        "importer_id": p.importer_ids.take(pa.array(h.importer)),
        "seller_id": p.seller_ids.take(pa.array(h.seller)),
        "courier_id": lookup("courier", h.courier, h.courier >= 0),
        "country_of_export": lookup("country", h.export),
        "transport_mode": lookup("mode", h.mode),
        "transport_document": transport_documents(run, h, owner),
        "containers": container_lists(run, h, gross, owner),
        "currency": lookup("currency", h.currency),
        "aeo": pa.array(p.aeo[h.importer]),
    }


def _control_columns(h: Headers, ctl: Controls) -> dict[str, pa.Array]:
    done = ctl.selection != NONE
    seized = done & (ctl.outcome == SEIZURE)
    route = np.maximum(ctl.seized_on, 0)
    null_float = pa.array(np.where(done, money(ctl.extra_usd, h.currency), 0.0), mask=~done)
    return {
        "control_outcome": lookup("outcome", ctl.outcome, done),
        "control_selection": lookup("selection", ctl.selection, done),
        "controlled_at": pc.if_else(
            pa.array(done),
            iso_timestamps(np.where(done, ctl.controlled, h.lodged), h.utc_stamp),
            pa.scalar(None, pa.string()),
        ),
        "control_started_at": pc.if_else(
            pa.array(done),
            iso_timestamps(np.where(done, ctl.clearance.started, h.lodged), h.utc_stamp),
            pa.scalar(None, pa.string()),
        ),
        "irregularity_types": lookup("types", ctl.types, done),
        "extra_revenue": null_float,
        "critical": pa.array(seized & rt.ROUTE_CRITICAL[route], mask=~done),
        "seizure_goods": lookup("goods", route, seized),
        "concealment": lookup("concealment", route, seized),
        "modus_operandi": lookup("modus", route, seized),
    }


def declaration_ids(h: Headers, fmt: str) -> pa.Array:
    """The ``declaration_id`` of each declaration of the chunk as the file of ``fmt`` writes it."""
    if fmt == "date":
        return ids.join("SGD", pc.cast(pa.array(h.d + 1), pa.string()))
    return ids.join(f"{START.year}-", lookup("office", h.office), "-", ids.padded(h.d + 1, 8))


def native_table(
    run: Run, start: int, stop: int, chunk: Chunk | None = None
) -> tuple[pa.Table, Controls]:
    """The native flat rows of a chunk: one per item, the header repeated, the control on item 1.

    ``chunk`` is the chunk's draws when already made (:func:`build_chunk`).
    """
    h, it, dc, ctl = chunk or build_chunk(run, start, stop)
    per_decl = pa.array(it.decl)
    cols = {name: col.take(per_decl) for name, col in _header_columns(run, h, it).items()}
    cols |= _goods_columns(run, h, it, dc)
    first_item = pc.equal(cols["item_no"], 1)
    cols |= {
        name: pc.if_else(first_item, col.take(per_decl), pa.scalar(None, col.type))
        for name, col in _control_columns(h, ctl).items()
    }
    cols |= {name: col.take(per_decl) for name, col in _clearance_columns(h, ctl).items()}
    return pa.table(cols, schema=NATIVE_SCHEMA), ctl


def _clearance_columns(h: Headers, ctl: Controls) -> dict[str, pa.Array]:
    cl = ctl.clearance
    released = cl.released >= 0
    return {
        "channel": lookup("channel", cl.channel),
        "assessed_at": iso_timestamps(cl.assessed, h.utc_stamp),
        "released_at": pc.if_else(
            pa.array(released),
            iso_timestamps(np.where(released, cl.released, cl.assessed), h.utc_stamp),
            pa.scalar(None, pa.string()),
        ),
    }


def date_table(run: Run, start: int, stop: int, chunk: Chunk | None = None) -> pa.Table:
    """The DATE/BACUDA rows of a chunk: every item labelled as if inspected, values in USD."""
    h, it, dc, _ = chunk or build_chunk(run, start, stop)
    goods = _goods_columns(run, h, it, dc)
    usd = geo.USD_PER_UNIT[h.currency[it.decl]]
    wall = h.lodged + geo.LOCAL_OFFSET_SECONDS
    per_decl = pa.array(it.decl)

    def to_usd(name: str) -> pa.Array:
        return pa.array(np.round(goods[name].to_numpy() * usd, 2))

    cols = {
        "sgd.id": declaration_ids(h, "date").take(per_decl),
        "sgd.date": pc.utf8_slice_codeunits(local_dates(wall), 2).take(per_decl),
        "importer.id": run.pools.importer_ids.take(pa.array(h.importer[it.decl])),
        "declarant.id": run.pools.declarant_ids.take(pa.array(h.declarant[it.decl])),
        "country": goods["country_of_origin"],
        "office.id": lookup("office", h.office[it.decl]),
        "tariff.code": goods["hs_code"],
        "quantity": goods["quantity"],
        "gross.weight": goods["gross_mass_kg"],
        "fob.value": to_usd("fob_value"),
        "cif.value": to_usd("customs_value"),
        "total.taxes": to_usd("duty_amount"),
        "illicit": pa.array((dc.types > 0).astype(np.int8)),
        "revenue": pa.array(np.round(dc.extra_usd, 2)),
    }
    return pa.table(cols, schema=DATE_SCHEMA)
