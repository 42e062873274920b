"""The evaluation and simulation through the product's pipeline, on reduced settings (1 run)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
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
        chosen.append(set(out["selected_targeted"]) | set(out["selected_random"]))
        return out

    monkeypatch.setattr(sim.pipeline, "train_on_warehouse", train_spy)
    monkeypatch.setattr(sim, "_select", select_spy)
    result = simulate(data, dataset="date", inspection_rate=0.1, exploration=0.2, max_periods=3)
    weeks = result["periods"]
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


def test_selection_bias_and_adaptive_exploration_on_generated_data(tmp_path: Path) -> None:
    data = tmp_path / "date.csv"
    result = generate(declarations=4000, seed=8, out=data, fmt="date")
    truth = pq.read_table(result.oracle).to_pandas()
    selected = set(truth.loc[truth["selection"] != "none", "declaration_id"])
    targeted = set(truth.loc[truth["selection"] == "targeted", "declaration_id"])
    # the simulation starts from the old rules' selected train labels only
    sim_result = simulate(
        data,
        dataset="date",
        period="month",
        adaptive=True,
        exploration=0.2,
        history="selected",
        max_periods=2,
    )
    periods = sim_result["periods"]
    assert len(periods) == 2 and sim_result["history"] == "selected"
    evaluation = evaluate(data, dataset="date", runs=1)
    rows = evaluation["rows"]
    bias = evaluation["selection_bias"]
    # every row is labelled in the file; the variants see far fewer labelled train rows
    labelled = {k: v["labelled_train_rows"]["mean"] for k, v in bias.items()}
    assert labelled["targeted_only"] < labelled["selected"] == labelled["selected_ipw"]
    assert labelled["selected"] < 0.2 * (rows["train"] + rows["valid"])
    assert labelled["targeted_only"] > 0 and len(targeted) < len(selected)
    assert set(bias) == {"targeted_only", "selected", "selected_ipw"}
    assert "precision@5" in evaluation["oracle_ratio"]
    # the exploration share moved by the rule: × 1.5 or × 0.75 after the first period
    first, second = periods
    grow = first["explore_hit_rate"] >= 0.5 * first["exploit_hit_rate"]
    assert second["exploration"] == round(0.2 * (1.5 if grow else 0.75), 4)
    assert first["labels_visible"] < periods[1]["labels_visible"]
