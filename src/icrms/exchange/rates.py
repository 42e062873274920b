"""Customs exchange rates: a currency's value in USD from a date on, for mirror comparisons."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.declarations.codes import currencies
from icrms.errors import ValidationError
from icrms.exchange.tables import CurrencyRateRow

SCHEMA = pa.schema(
    [("currency", pa.string()), ("valid_from", pa.date32()), ("usd_per_unit", pa.float64())]
)


def set_rates(session: Session, *, rates: list[tuple[str, date, float]]) -> int:
    """Store rates (currency, valid from, USD per unit); a rate for the same day is replaced."""
    for n, (currency, valid_from, usd) in enumerate(rates, start=1):
        if currency not in currencies():
            raise ValidationError(f"rates[{n}].currency", currency, "not an ISO 4217 currency")
        if not usd > 0:
            raise ValidationError(f"rates[{n}].usd_per_unit", usd, "must be above 0")
        row = session.get(CurrencyRateRow, (currency, valid_from))
        if row is None:
            session.add(CurrencyRateRow(currency=currency, valid_from=valid_from, usd_per_unit=usd))
        else:
            row.usd_per_unit = usd
    session.flush()
    return len(rates)


def read_rates_file(path: Path) -> list[tuple[str, date, float]]:
    """Rates from a CSV file with the columns currency, valid_from, usd_per_unit."""
    out = []
    with path.open(newline="", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            try:
                out.append(
                    (
                        row["currency"].strip(),
                        date.fromisoformat(row["valid_from"].strip()),
                        float(row["usd_per_unit"]),
                    )
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise ValidationError(
                    f"{path.name} line {n}", row, f"needs currency, valid_from, usd_per_unit: {exc}"
                ) from exc
    return out


def rates_table(session: Session) -> pa.Table:
    """Every stored rate, as Arrow (for the warehouse's ASOF joins)."""
    rows = session.execute(
        select(
            CurrencyRateRow.currency, CurrencyRateRow.valid_from, CurrencyRateRow.usd_per_unit
        ).order_by(CurrencyRateRow.currency, CurrencyRateRow.valid_from)
    ).all()
    return pa.table(
        {
            "currency": [r[0] for r in rows],
            "valid_from": [r[1] for r in rows],
            "usd_per_unit": [float(r[2]) for r in rows],
        },
        schema=SCHEMA,
    )


def generator_rates() -> pa.Table:
    """The generator's fixed rates, valid from 2000 (the demo and the benchmarks use them)."""
    from icrms.generator import geography as geo

    return pa.table(
        {
            "currency": list(geo.CURRENCIES),
            "valid_from": [date(2000, 1, 1)] * len(geo.CURRENCIES),
            "usd_per_unit": [float(v) for v in geo.USD_PER_UNIT],
        },
        schema=SCHEMA,
    )
