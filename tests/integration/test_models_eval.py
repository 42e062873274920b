"""The evaluation and simulation through the product's pipeline, on reduced settings (1 run)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from icrms.generator import generate
from icrms.models import simulate as sim
from icrms.models.evaluate import evaluate
from icrms.models.features import ITEMS
from icrms.models.simulate import simulate

KCS = Path(
    os.environ.get(
        "ICRMS_KCS_DATA", Path(__file__).resolve().parents[3] / "shared" / "data" / "kcs-synthetic"
    )
)


def test_kcs_evaluation_meets_floors() -> None:
    result = evaluate(KCS, dataset="kcs", runs=1)
    model, base = result["model"], result["baseline"]
    assert model["precision@5"]["mean"] >= 0.95
    assert model["precision@10"]["mean"] >= 0.90
    assert model["auc"]["mean"] >= 0.9
    assert model["precision@5"]["mean"] > base["precision@5"]["mean"] + 0.2
    # rows whose (HS6, net mass) never occurs in train: well above the ~0.21 fraud rate
    assert result["unseen_pair"]["precision@5"]["mean"] >= 0.6


def test_date_shaped_evaluation_beats_the_date_baseline(tmp_path: Path) -> None:
    data = tmp_path / "date.csv"
    generate(declarations=6000, seed=5, out=data, fmt="date")
    result = evaluate(data, dataset="date", runs=1)
    model, base = result["model"], result["baseline"]
    assert model["precision@5"]["mean"] > base["precision@5"]["mean"]
    assert model["revenue@5"]["mean"] > base["revenue@5"]["mean"]
    assert model["precision@1"]["mean"] >= 0.5


def test_simulation_reveals_only_selected_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "date.csv"
    generate(declarations=3000, seed=6, out=data, fmt="date")
    seen: list[dict[str, object]] = []  # what each week's training could read
    chosen: list[set[str]] = []  # what each week inspected
    real_train, real_select = sim.pipeline.train_on_warehouse, sim._select

    def train_spy(wh, **kwargs):  # type: ignore[no-untyped-def]
        rows = wh.sql(f"SELECT unit_id, fraud, split FROM {ITEMS}").to_pylist()
        truth = {
            r["unit_id"]: r["fraud"]
            for r in wh.sql(f"SELECT unit_id, fraud FROM {sim.TRUTH}").to_pylist()
        }
        day_c = wh.sql("SELECT sum(c) c, sum(f) f FROM day_e_importer").to_pylist()[0]
        seen.append({"rows": rows, "truth": truth, "history": day_c})
        return real_train(wh, **kwargs)

    def select_spy(units, *args):  # type: ignore[no-untyped-def]
        out = real_select(units, *args)
        chosen.append(set(out["selected"]))
        return out

    monkeypatch.setattr(sim.pipeline, "train_on_warehouse", train_spy)
    monkeypatch.setattr(sim, "_select", select_spy)
    result = simulate(data, dataset="date", inspection_rate=0.1, exploration=0.2, max_weeks=3)
    weeks = result["weeks"]
    assert len(weeks) == 3 and len(seen) == 3 and len(chosen) == 3
    train_units = {r["unit_id"] for r in seen[0]["rows"] if r["split"] == "train"}
    for n, week in enumerate(seen):
        allowed = train_units.union(*chosen[:n])
        visible = {r["unit_id"] for r in week["rows"] if r["fraud"] is not None}
        hidden = {r["unit_id"] for r in week["rows"] if r["fraud"] is None}
        # exactly the train split and the units inspected in earlier weeks carry a label ...
        assert visible == allowed
        # ... with its true value; every other unit's label is hidden, this week's included
        assert all(
            r["fraud"] == week["truth"][r["unit_id"]]
            for r in week["rows"]
            if r["fraud"] is not None
        )
        assert hidden and hidden.isdisjoint(allowed) and chosen[n] <= hidden
        # the history features are built from the visible labels only
        assert week["history"]["c"] == len(visible)
        assert week["history"]["f"] == sum(
            1 for r in week["rows"] if r["fraud"] is not None and r["fraud"] == 1
        )
        assert weeks[n]["labels_visible"] == len(allowed)
    for week in weeks:
        assert week["inspected"] == max(1, round(week["units"] * 0.1))
        assert week["explored"] == round(week["inspected"] * 0.2)
