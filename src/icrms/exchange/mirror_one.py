"""The mirror fields of one declaration, in Python: the live path's copy of ``mirror.gaps_sql``.

The same match (first of: transport document and country of export; first container exported
0-60 days before; parties, item count and gross mass within 5 % exported 0-45 days before;
then the nearest in time, then the export declaration id, then the issuer) and the same gaps,
operation for operation in doubles, as the SQL the warehouse runs; the live, DuckDB and Spark
decisions are held to each other by tests. A query of DuckDB per declaration would cost tens
of milliseconds; this costs well under one.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icrms.declarations.fields import MIRROR_COLUMNS
from icrms.exchange import stix

Row = Mapping[str, Any]
NO_MATCH: dict[str, Any] = dict.fromkeys(MIRROR_COLUMNS)
WINDOWS = {2: timedelta(days=60), 3: timedelta(days=45)}


class Rates:
    """USD per unit of a currency on a date: the newest rate valid from that date or before."""

    def __init__(self, rows: Iterable[tuple[str, date, float]]) -> None:
        by: dict[str, list[tuple[date, float]]] = {}
        for currency, valid_from, usd in rows:
            by.setdefault(currency, []).append((valid_from, usd))
        self._days = {c: [d for d, _ in sorted(v)] for c, v in by.items()}
        self._usd = {c: [u for _, u in sorted(v)] for c, v in by.items()}

    def usd(self, currency: str | None, day: date) -> float | None:
        days = self._days.get(currency or "")
        if not days:
            return None
        at = bisect.bisect_right(days, day) - 1
        return self._usd[currency][at] if at >= 0 else None  # type: ignore[index]


def _exported(export: Mapping[str, Any]) -> datetime:
    value = export["exported_at"]
    return value if isinstance(value, datetime) else stix.parse_timestamp(str(value))


def _first(containers: str | None) -> str | None:
    return None if containers is None else containers.split(";")[0]


def _sum(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _eq(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a == b


def _within(gross: float | None, theirs: float | None) -> bool:
    if gross is None or theirs is None or theirs == 0:
        return False  # NULL, or a division by zero (infinity or NaN): never within 5 %
    return abs(gross / theirs - 1) <= 0.05


def _rank(rows: Sequence[Row], export: Mapping[str, Any], exported: datetime) -> int | None:
    head = rows[0]
    lodged: datetime = head["lodged_at"]
    if _eq(head.get("transport_document"), export.get("transport_document")) and _eq(
        head.get("country_of_export"), export.get("country_of_export")
    ):
        return 1
    containers = export.get("containers") or []
    theirs = ";".join(containers) if containers else None
    if _eq(_first(head.get("containers")), _first(theirs)) and (
        lodged - WINDOWS[2] <= exported <= lodged
    ):
        return 2
    items = export["items"]
    if (
        _eq(head.get("importer_id"), export.get("consignee_id"))
        and _eq(head.get("seller_id"), export.get("exporter_id"))
        and _eq(head.get("country_of_export"), export.get("country_of_export"))
        and len(rows) == len(items)
        and _within(
            _sum(r.get("gross_mass_kg") for r in rows),
            _sum(i.get("gross_mass_kg") for i in items),
        )
        and lodged - WINDOWS[3] <= exported <= lodged
    ):
        return 3
    return None


def best_match(
    rows: Sequence[Row], exports: Iterable[tuple[str, Mapping[str, Any]]]
) -> tuple[str, Mapping[str, Any]] | None:
    """The (issuer, export declaration) that ``mirror.match_sql`` picks for these item rows."""
    best: tuple[Any, ...] | None = None
    lodged: datetime = rows[0]["lodged_at"]
    for issuer, export in exports:
        exported = _exported(export)
        rank = _rank(rows, export, exported)
        if rank is None:
            continue
        apart = abs(lodged - exported)
        key = (rank, apart, export["export_declaration_id"], issuer)
        if best is None or key < best[0]:
            best = (key, issuer, export)
    return None if best is None else (best[1], best[2])


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or not theirs > 0:
        return None
    return ours / theirs


def _differs(a: str | None, b: str | None) -> bool | None:
    return None if a is None or b is None else a != b


def gaps(rows: Sequence[Row], export: Mapping[str, Any], rates: Rates) -> dict[int, dict[str, Any]]:
    """Mirror fields per item number of the items with a partner item of the same number."""
    counts = Counter(i["item_no"] for i in export["items"])
    theirs = {i["item_no"]: i for i in export["items"] if counts[i["item_no"]] == 1}
    exported = _exported(export).astimezone(UTC).date()
    export_rate = rates.usd(export.get("currency"), exported)
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        item = theirs.get(row["item_no"])
        if item is None:
            continue
        import_rate = rates.usd(row.get("currency"), row["lodged_date"])
        value = row.get("customs_value")
        stat = item.get("statistical_value")
        hs_code = item.get("hs_code")
        out[row["item_no"]] = {
            "mirror_value_ratio": _ratio(
                None if value is None or import_rate is None else value * import_rate,
                None if stat is None or export_rate is None else stat * export_rate,
            ),
            "mirror_mass_ratio": _ratio(row.get("net_mass_kg"), item.get("net_mass_kg")),
            "mirror_quantity_ratio": _ratio(row.get("quantity"), item.get("quantity")),
            "mirror_hs6_mismatch": _differs(
                row.get("hs6"), None if hs_code is None else hs_code[:6]
            ),
            "mirror_origin_mismatch": _differs(
                row.get("country_of_origin"), item.get("country_of_origin")
            ),
        }
    return out


def with_mirror_fields(
    rows: Sequence[Row], exports: Iterable[tuple[str, Mapping[str, Any]]], rates: Rates
) -> list[dict[str, Any]]:
    """The item rows with their mirror fields (NULL without a match or a partner item)."""
    found = best_match(rows, exports)
    by_item = gaps(rows, found[1], rates) if found is not None else {}
    return [{**row, **by_item.get(row["item_no"], NO_MATCH)} for row in rows]
