"""The oracle file: aligned with the data, calibrated against what the draws produced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from icrms.generator import GenerateResult, generate
from icrms.generator.oracle import oracle_path


@pytest.fixture(scope="module")
def date_run(
    small_dir: Path,
) -> tuple[GenerateResult, dict[str, np.ndarray], dict[str, np.ndarray]]:
    result = generate(20_000, 7, small_dir / "oracle-date.csv", fmt="date")
    data = pcsv.read_csv(result.path).to_pydict()
    truth = pq.read_table(result.oracle).to_pydict()
    return (
        result,
        {k: np.array(v) for k, v in data.items()},
        {k: np.array(v) for k, v in truth.items()},
    )


def test_the_oracle_sits_beside_the_data_one_row_per_item(date_run) -> None:  # type: ignore[no-untyped-def]
    result, data, truth = date_run
    assert (
        result.oracle
        == oracle_path(result.path)
        == result.path.with_name("oracle-date.oracle.parquet")
    )
    assert len(truth["p_fraud"]) == len(data["illicit"]) == result.rows
    assert (truth["declaration_id"] == data["sgd.id"]).all()
    # item positions count 1, 2, ... within each declaration, in file order
    new = np.r_[True, data["sgd.id"][1:] != data["sgd.id"][:-1]]
    starts = np.flatnonzero(new)
    expected = np.arange(len(new)) - np.repeat(starts, np.diff(np.r_[starts, len(new)])) + 1
    assert (truth["item_no"] == expected).all()
    # the truth is the file's own label (every DATE row is labelled)
    assert (truth["fraud"] == data["illicit"]).all()
    assert np.allclose(truth["revenue"], data["revenue"], atol=0.006)


def test_the_oracle_probability_is_calibrated(date_run) -> None:  # type: ignore[no-untyped-def]
    _result, _data, truth = date_run
    p, y = truth["p_fraud"], truth["fraud"]
    assert ((p >= 0) & (p <= 1)).all()
    # overall and per band of probability, the realised rate is what the mechanisms used
    assert abs(y.mean() - p.mean()) < 3 * np.sqrt(p.mean() / len(p)) + 0.002
    for low, high in ((0, 0.02), (0.02, 0.1), (0.1, 0.5), (0.5, 1.01)):
        band = (p >= low) & (p < high)
        assert band.sum() > 200, (low, high)
        spread = 3 * np.sqrt(p[band].mean() * (1 - p[band].mean()) / band.sum())
        assert abs(y[band].mean() - p[band].mean()) < spread + 0.01, (low, high)


def test_declaration_figures_combine_the_items(date_run) -> None:  # type: ignore[no-untyped-def]
    _result, _data, truth = date_run
    ids = truth["declaration_id"]
    for d in np.unique(ids)[:300]:
        rows = ids == d
        assert truth["p_fraud_declaration"][rows] == pytest.approx(
            1 - np.prod(1 - truth["p_fraud"][rows])
        )
        assert truth["expected_revenue_declaration"][rows] == pytest.approx(
            truth["expected_revenue"][rows].sum()
        )


def test_native_oracle_matches_the_date_run_of_the_same_seed(small_dir: Path, date_run) -> None:  # type: ignore[no-untyped-def]
    _result, _data, truth = date_run
    native = generate(20_000, 7, small_dir / "oracle-native.parquet")
    t = pq.read_table(native.oracle).to_pydict()
    assert np.array_equal(np.array(t["p_fraud"]), truth["p_fraud"])
    assert np.array_equal(np.array(t["fraud"]), truth["fraud"])
    rows = pq.read_table(native.path, columns=["declaration_id", "item_no", "control_selection"])
    assert t["declaration_id"] == rows.column("declaration_id").to_pylist()
    assert t["item_no"] == rows.column("item_no").to_pylist()
    selected = [s or "none" for s in rows.column("control_selection").to_pylist()]
    first = np.array(t["item_no"]) == 1
    assert list(np.array(t["selection"])[first]) == list(np.array(selected)[first])
