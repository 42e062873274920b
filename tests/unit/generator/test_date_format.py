from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from icrms.generator import generate
from icrms.generator import geography as geo

DATE_COLUMNS = [
    "sgd.id", "sgd.date", "importer.id", "declarant.id", "country", "office.id", "tariff.code",
    "quantity", "gross.weight", "fob.value", "cif.value", "total.taxes", "illicit", "revenue",
]  # fmt: skip


def test_date_csv_has_exactly_the_date_columns(small_dir: Path) -> None:
    result = generate(400, 9, small_dir / "date.csv", fmt="date")
    with result.path.open(newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == DATE_COLUMNS
        rows = list(reader)
    assert len(rows) == result.rows
    assert result.controlled == 400 and result.random_controls == 0
    assert all(re.fullmatch(r"\d\d-\d\d-\d\d", r[1]) and r[1].startswith("25-") for r in rows)
    assert all(re.fullmatch(r"SGD\d+", r[0]) for r in rows)
    assert {r[12] for r in rows} == {"0", "1"}


def test_date_rows_match_the_native_rows_of_the_same_seed(small_dir: Path) -> None:
    native = pq.read_table(generate(3000, 4, small_dir / "n.parquet").path)
    date = pq.read_table(generate(3000, 4, small_dir / "d.parquet", fmt="date").path)
    assert date.column_names == DATE_COLUMNS
    assert date.num_rows == native.num_rows
    assert date["tariff.code"].equals(native["hs_code"])
    assert date["country"].equals(native["country_of_origin"])
    assert date["importer.id"].equals(native["importer_id"])
    usd = dict(zip(geo.CURRENCIES, geo.USD_PER_UNIT, strict=True))
    rate = np.array([usd[c] for c in native["currency"].to_pylist()])
    cif = native["customs_value"].to_numpy() * rate
    assert np.allclose(date["cif.value"].to_numpy(), cif, atol=0.01)
    assert (date["fob.value"].to_numpy() <= date["cif.value"].to_numpy()).all()
    local_day = pc.utf8_slice_codeunits(native["lodged_at"], 2, 10).to_pylist()
    utc = pc.ends_with(native["lodged_at"], "Z").to_pylist()
    days = date["sgd.date"].to_pylist()
    assert all(d == n for d, n, z in zip(days, local_day, utc, strict=True) if not z)


def test_date_labels_every_row(small_dir: Path) -> None:
    date = pq.read_table(generate(5000, 4, small_dir / "labels.parquet", fmt="date").path)
    illicit = date["illicit"].to_numpy()
    revenue = date["revenue"].to_numpy()
    assert 0.02 < illicit.mean() < 0.2
    assert (revenue[illicit == 0] == 0).all()
    assert (revenue > 0).sum() > 0.5 * (illicit == 1).sum()
