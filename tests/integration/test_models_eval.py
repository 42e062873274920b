"""The evaluation and simulation through the product's pipeline, on reduced settings (1 run)."""

from __future__ import annotations

import os
from pathlib import Path

from icrms.generator import generate
from icrms.models.evaluate import evaluate
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
    # processor time: the wall clock of a shared test machine says little
    assert result["train_cpu_seconds"]["mean"] < 30


def test_date_shaped_evaluation_beats_the_date_baseline(tmp_path: Path) -> None:
    data = tmp_path / "date.csv"
    generate(declarations=6000, seed=5, out=data, fmt="date")
    result = evaluate(data, dataset="date", runs=1)
    model, base = result["model"], result["baseline"]
    assert model["precision@5"]["mean"] > base["precision@5"]["mean"]
    assert model["revenue@5"]["mean"] > base["revenue@5"]["mean"]
    assert model["precision@1"]["mean"] >= 0.5


def test_simulation_reveals_only_selected_labels(tmp_path: Path) -> None:
    data = tmp_path / "date.csv"
    generate(declarations=3000, seed=6, out=data, fmt="date")
    result = simulate(data, dataset="date", inspection_rate=0.1, exploration=0.2, max_weeks=3)
    weeks = result["weeks"]
    assert len(weeks) == 3
    # training sees the train split's labels plus exactly those inspected in earlier weeks
    first = weeks[0]["labels_visible"]
    assert first > 0
    for n, week in enumerate(weeks):
        assert week["labels_visible"] == first + sum(w["inspected"] for w in weeks[:n])
    for week in weeks:
        assert week["inspected"] == max(1, round(week["units"] * 0.1))
        assert week["explored"] == round(week["inspected"] * 0.2)
        assert 0 <= week["precision"] <= 1 and 0 <= week["norm_precision"] <= 1
