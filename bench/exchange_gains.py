"""What partner data is worth to the risk model: mirror features and a partner's aggregates.

Both measurements train the same LightGBM (the product's features from ``models.pipeline`` and
``models.derive``, the product's base parameters, early stopping on the validation window) twice,
once with and once without the partner data, and score every item of a held-out later window
against the generator's truth (every item's irregularity is known, controlled or not):
precision at the top 5 % of items.

- **Mirror**: the partner administrations send their export declarations (pre-arrival data) for
  the generated imports; the mirror gaps (value, mass and quantity ratios, HS6 and origin
  disagreement) are added as features.
- **Joint assessment**: administration A has a full year, B (another seed: other traders, same
  world) only its first months. B's model with A's aggregate statistics (per HS6 x origin x month,
  no trader identity, minimum cell size) as features: A's smoothed irregularity rate, controls and
  declarations for the item's HS6 x origin over months before the item's month.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from icrms.declarations.fields import MIRROR_COLUMNS
from icrms.exchange import aggregates, mirror
from icrms.exchange.rates import generator_rates
from icrms.generator import generate
from icrms.generator.headers import Run
from icrms.generator.partner_exports import generate_partner_exports
from icrms.generator.tables import build_chunk, native_table
from icrms.ingest.flows import ingest_file
from icrms.models import pipeline
from icrms.models.derive import build_spec, derive, feature_names
from icrms.models.metrics import precision_at
from icrms.models.train import BASE_PARAMS, labels_of
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse

PARTNER_COLUMNS = ("partner_rate", "partner_controls", "partner_declarations")
START = date(2025, 1, 1)


def rates() -> pa.Table:
    return generator_rates()


def truth(declarations: int, seed: int) -> pa.Table:
    """Every generated item's true irregularity (1/0), by declaration id and item number."""
    run = Run.create(seed, declarations)
    parts = []
    for start in range(0, declarations, 50_000):
        stop = min(start + 50_000, declarations)
        table, _ = native_table(run, start, stop)
        _h, _it, dc, _ctl = build_chunk(run, start, stop)
        parts.append(
            pa.table(
                {
                    "declaration_id": table.column("declaration_id"),
                    "item_no": table.column("item_no"),
                    "truth": pa.array((dc.types > 0).astype(np.int8)),
                }
            )
        )
    return pa.concat_tables(parts)


@dataclass
class World:
    """One administration's generated history in a DuckDB warehouse, labelled for the models."""

    warehouse: DuckDBWarehouse
    folder: Path
    declarations: int
    seed: int


def build_world(folder: Path, declarations: int, seed: int, *, exports: bool = False) -> World:
    """Generate, ingest and label; optionally the partners' export side too."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "imports.parquet"
    generate(declarations=declarations, seed=seed, out=data)
    settings = Settings(home=folder)
    wh = DuckDBWarehouse(settings.warehouse_path)
    ingest_file(wh, data, fmt="native", settings=settings)
    if exports:
        out = generate_partner_exports(declarations, seed, folder / "exports.parquet")
        mirror.compute(wh, pq.read_table(out.path), rates())
    pipeline.prepare(wh)
    wh.register("bench_truth", truth(declarations, seed))
    joins = "LEFT JOIN bench_truth t USING (declaration_id, item_no)"
    extra = ", t.truth"
    if exports:
        joins += " LEFT JOIN mirror_item g USING (declaration_id, version, item_no)"
        extra += ", " + ", ".join(f"g.{c}" for c in MIRROR_COLUMNS)
    wh.execute(f"CREATE OR REPLACE TEMP TABLE m_items AS SELECT m.*{extra} FROM m_items m {joins}")
    return World(wh, folder, declarations, seed)


def _extra(cols: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([np.asarray(cols[n], dtype=float) for n in names])


def fit_and_score(
    cols: dict[str, np.ndarray],
    *,
    train_until: date,
    valid_until: date,
    test_until: date,
    extra: tuple[str, ...] = (),
    seed: int = 0,
) -> float:
    """Train on labelled rows up to ``train_until`` (early stopping on the next window); precision@5 % on the test window's truth."""
    days = np.asarray(cols["lodged_date"], dtype=float)
    day = lambda d: float((d - date(1970, 1, 1)).days)  # noqa: E731
    y = labels_of(cols)
    train = (days <= day(train_until)) & ~np.isnan(y)
    valid = (days > day(train_until)) & (days <= day(valid_until)) & ~np.isnan(y)
    test = (days > day(valid_until)) & (days <= day(test_until))
    spec = build_spec({k: v[train] for k, v in cols.items()}, y[train])
    x = derive(cols, spec)
    names = feature_names()
    if extra:
        x = np.hstack([x, _extra(cols, extra)])
        names = [*names, *extra]
    cats = [names.index(c) for c in spec.categorical]
    params = {**BASE_PARAMS, "seed": seed, "metric": "average_precision"}
    data = lgb.Dataset(
        x[train], y[train], feature_name=names, categorical_feature=cats, free_raw_data=False
    )
    vdata = lgb.Dataset(x[valid], y[valid], reference=data)
    booster = lgb.train(
        params,
        data,
        num_boost_round=600,
        valid_sets=[vdata],
        callbacks=[lgb.early_stopping(40, verbose=False)],
    )
    scores = np.asarray(booster.predict(x[test], num_threads=1))
    truth_col = np.asarray(cols["truth"], dtype=float)[test]
    return precision_at(scores, np.nan_to_num(truth_col), 0.05)


def mirror_gain(folder: Path, declarations: int, seed: int) -> dict[str, Any]:
    """precision@5 % on the last fifth of the year, with and without mirror features."""
    world = build_world(folder, declarations, seed, exports=True)
    cols = pipeline.training_columns(world.warehouse, START + timedelta(days=364))
    cut = dict(
        train_until=START + timedelta(days=218),
        valid_until=START + timedelta(days=291),
        test_until=START + timedelta(days=364),
    )
    without = fit_and_score(cols, **cut, seed=seed)
    with_mirror = fit_and_score(cols, **cut, extra=MIRROR_COLUMNS, seed=seed)
    matched = float(np.mean(~np.isnan(np.asarray(cols["mirror_value_ratio"], dtype=float))))
    world.warehouse.close()
    return {
        "seed": seed,
        "without": round(without, 4),
        "with_mirror": round(with_mirror, 4),
        "items_matched": round(matched, 3),
    }


def partner_features(world: World, cells: list[dict[str, Any]]) -> None:
    """Add A's aggregate features to B's items: A's months strictly before the item's month."""
    table = pa.Table.from_pylist(cells)
    world.warehouse.register("partner_cells", table)
    total = sum(c["irregularities"] for c in cells) / max(sum(c["controls"] for c in cells), 1)
    world.warehouse.execute(
        f"""CREATE OR REPLACE TEMP TABLE m_items AS
        WITH k AS (SELECT DISTINCT hs6, country_of_origin, strftime(lodged_date, '%Y-%m') AS period FROM m_items),
        f AS (SELECT k.hs6, k.country_of_origin, k.period,
                     sum(p.irregularities) AS irr, sum(p.controls) AS ctl, sum(p.declarations) AS n
              FROM k LEFT JOIN partner_cells p ON p.hs6 = k.hs6
                  AND p.country_of_origin = k.country_of_origin AND p.period < k.period
              GROUP BY ALL)
        SELECT m.*, (coalesce(f.irr, 0) + 5 * {total}) / (coalesce(f.ctl, 0) + 5) AS partner_rate,
               coalesce(f.ctl, 0) AS partner_controls, coalesce(f.n, 0) AS partner_declarations
        FROM m_items m LEFT JOIN f ON f.hs6 = m.hs6 AND f.country_of_origin = m.country_of_origin
            AND f.period = strftime(m.lodged_date, '%Y-%m')"""
    )


def joint_gain(
    folder: Path,
    a_declarations: int,
    b_declarations: int,
    seed: int,
    months: int,
    min_cell: int,
    a_prior_year: bool = False,
) -> dict[str, Any]:
    """B's precision@5 % with A's aggregates against without, B trained on its first ``months``.

    ``a_prior_year``: A's year of aggregates is dated a year earlier, as if A had a year of
    history before B's first month (otherwise B's first month has no A month before it).
    """
    a = build_world(folder / "a", a_declarations, 1000 + seed)
    cells = aggregates.compute_cells(
        a.warehouse,
        date_from=START,
        date_to=START + timedelta(days=364),
        min_cell=min_cell,
        rates=rates(),
    )
    a.warehouse.close()
    if a_prior_year:
        cells = [{**c, "period": f"{int(c['period'][:4]) - 1}{c['period'][4:]}"} for c in cells]
    b = build_world(folder / "b", b_declarations, 2000 + seed)
    partner_features(b, cells)
    train_until = START + timedelta(days=30 * months - 16)
    valid_until = START + timedelta(days=30 * months)
    test_until = valid_until + timedelta(days=90)
    cols = pipeline.training_columns(b.warehouse, test_until)
    cut = dict(train_until=train_until, valid_until=valid_until, test_until=test_until)
    without = fit_and_score(cols, **cut, seed=seed)
    with_partner = fit_and_score(cols, **cut, extra=PARTNER_COLUMNS, seed=seed)
    labelled = int(
        np.sum(
            ~np.isnan(labels_of(cols))
            & (
                np.asarray(cols["lodged_date"], dtype=float)
                <= float((train_until - date(1970, 1, 1)).days)
            )
        )
    )
    b.warehouse.close()
    return {
        "seed": seed,
        "without": round(without, 4),
        "with_partner_aggregates": round(with_partner, 4),
        "b_labelled_training_items": labelled,
        "a_cells": len(cells),
    }


def temp_folder() -> Path:
    """A scratch folder for one measurement."""
    return Path(tempfile.mkdtemp(prefix="icrms-bench-exchange-"))
