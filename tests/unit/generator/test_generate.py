from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from icrms.declarations import codes
from icrms.declarations.fields import (
    CLEARANCE_COLUMNS,
    CONTROL_COLUMNS,
    IRREGULARITY_TYPES,
    NATIVE_COLUMNS,
)
from icrms.generator import GenerateResult, generate


def test_same_seed_same_bytes_other_seed_other_bytes(small_dir: Path) -> None:
    a = generate(800, 11, small_dir / "a.csv")
    b = generate(800, 11, small_dir / "b.csv")
    c = generate(800, 12, small_dir / "c.csv")
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.path.read_bytes() != c.path.read_bytes()
    assert (a.rows, a.controlled, a.random_controls) == (b.rows, b.controlled, b.random_controls)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_chunk_size_does_not_change_the_file(small_dir: Path, suffix: str) -> None:
    small = generate(700, 3, small_dir / f"chunk7{suffix}", chunk_size=7)
    large = generate(700, 3, small_dir / f"chunkall{suffix}", chunk_size=100_000)
    assert small.path.read_bytes() == large.path.read_bytes()
    assert small == GenerateResult(700, large.rows, large.controlled, large.random_controls,
                                   small.path, small.oracle)  # fmt: skip
    assert pq.read_table(small.oracle).equals(pq.read_table(large.oracle))


def test_parquet_jsonl_and_csv_hold_the_same_rows(small_dir: Path) -> None:
    generate(600, 5, small_dir / "same.parquet", chunk_size=100)
    generate(600, 5, small_dir / "same.jsonl")
    generate(600, 5, small_dir / "same.csv")
    table = pq.read_table(small_dir / "same.parquet")
    assert table.column_names == list(NATIVE_COLUMNS + CONTROL_COLUMNS + CLEARANCE_COLUMNS)
    rows = table.to_pylist()
    with (small_dir / "same.jsonl").open() as handle:
        assert [json.loads(line) for line in handle] == rows
    with (small_dir / "same.csv").open(newline="") as handle:
        from_csv = list(csv.DictReader(handle))
    assert len(from_csv) == len(rows)
    for got, want in zip(from_csv, rows, strict=True):
        assert got["declaration_id"] == want["declaration_id"]
        assert float(got["customs_value"]) == want["customs_value"]
        assert got["aeo"] == str(want["aeo"]).lower()
        assert got["controlled_at"] == (want["controlled_at"] or "")


def test_counts_and_item_numbers(sample: tuple[GenerateResult, pa.Table]) -> None:
    result, table = sample
    assert result.rows == table.num_rows
    per_decl = table.group_by("declaration_id").aggregate(
        [("item_no", "count"), ("item_no", "max"), ("item_no", "min"), ("version", "max")]
    )
    assert per_decl.num_rows == result.declarations
    assert pc.all(pc.equal(per_decl["item_no_count"], per_decl["item_no_max"])).as_py()
    assert pc.min(per_decl["item_no_min"]).as_py() == 1
    counts = per_decl["item_no_count"].to_numpy()
    assert counts.max() == 10
    assert (counts == 1).mean() > 0.35 and (counts <= 3).mean() > 0.65
    assert pc.max(per_decl["version_max"]).as_py() == 1
    controlled = pc.count_distinct(
        table.filter(pc.is_valid(table["control_outcome"]))["declaration_id"]
    ).as_py()
    assert controlled == result.controlled
    random = table.filter(pc.equal(table["control_selection"], "random"))
    assert pc.count_distinct(random["declaration_id"]).as_py() == result.random_controls


def test_codes_are_valid(sample: tuple[GenerateResult, pa.Table]) -> None:
    _, t = sample
    for column in ("country_of_export", "country_of_origin"):
        assert set(pc.unique(t[column]).to_pylist()) <= codes.countries()
    assert set(pc.unique(t["currency"]).to_pylist()) <= codes.currencies()
    assert set(pc.unique(t["transport_mode"]).to_pylist()) <= set(codes.TRANSPORT_MODES)
    hs = pc.unique(t["hs_code"]).to_pylist()
    assert all(len(h) == 10 and codes.hs_problem(h) is None for h in hs)
    containers = [c for v in pc.unique(t["containers"]).to_pylist() if v for c in v.split(";")]
    assert len(containers) > 1000
    assert all(codes.container_problem(c) is None for c in containers)
    assert pc.all(pc.is_valid(t["transport_document"])).as_py()


def test_amounts_are_consistent(sample: tuple[GenerateResult, pa.Table]) -> None:
    _, t = sample
    cv, fob = t["customs_value"].to_numpy(), t["fob_value"].to_numpy()
    net, gross = t["net_mass_kg"].to_numpy(), t["gross_mass_kg"].to_numpy()
    rate, duty = t["duty_rate"].to_numpy(), t["duty_amount"].to_numpy()
    assert (cv > 0).all() and (fob > 0).all() and (fob <= cv).all()
    assert (net > 0).all() and (gross >= net).all()
    assert ((rate >= 0) & (rate < 1)).all()
    assert abs(duty - cv * rate).max() <= 0.5  # rounded to the currency's minor unit
    assert (t["quantity"].to_numpy() > 0).all()


def test_timestamps_have_offsets_and_controls_follow_lodgement(
    sample: tuple[GenerateResult, pa.Table],
) -> None:
    _, t = sample
    lodged = [datetime.fromisoformat(v) for v in pc.unique(t["lodged_at"]).to_pylist()]
    assert all(v.utcoffset() is not None for v in lodged)
    assert {v.utcoffset().total_seconds() for v in lodged} == {0.0, 9 * 3600.0}  # type: ignore[union-attr]
    year = (
        datetime.fromisoformat("2025-01-01T00:00+09:00"),
        datetime.fromisoformat("2026-01-01T00:00+09:00"),
    )
    assert year[0] <= min(lodged) and max(lodged) < year[1]
    assert max(lodged) - min(lodged) > timedelta(days=360)
    controlled = t.filter(pc.is_valid(t["controlled_at"]))
    pairs = zip(
        controlled["lodged_at"].to_pylist(), controlled["controlled_at"].to_pylist(), strict=True
    )
    assert all(datetime.fromisoformat(c) > datetime.fromisoformat(lo) for lo, c in pairs)


def test_control_columns(sample: tuple[GenerateResult, pa.Table]) -> None:
    _, t = sample
    rows = t.select(["declaration_id", "item_no", *CONTROL_COLUMNS]).to_pylist()
    by_decl: dict[str, list[object]] = {}
    for row in rows:
        declaration, item_no = row.pop("declaration_id"), row.pop("item_no")
        if item_no == 1:
            by_decl.setdefault(declaration, []).append(row["control_outcome"])
        if row["control_outcome"] is None:
            assert all(v is None for v in row.values()), row
            continue
        assert row["control_selection"] in ("random", "targeted")
        types = (row["irregularity_types"] or "").split(";")
        if row["control_outcome"] == "no_finding":
            assert types == [""] and row["extra_revenue"] == 0
        else:
            assert set(types) <= set(IRREGULARITY_TYPES)
        revenue_types = {"undervaluation", "misclassification", "false_origin"} & set(types)
        # a wrong quantity evades duty when value was short-declared with it, not otherwise
        if revenue_types:
            assert row["extra_revenue"] > 0, row
        elif "quantity_weight" not in types:
            assert row["extra_revenue"] == 0, row
        seized = row["control_outcome"] == "seizure"
        assert seized == (row["concealment"] is not None) == (row["modus_operandi"] is not None)
        assert row["critical"] is (seized and "drugs" in types)
        assert item_no == 1, "a control result is written once, on the first item row"
    assert any(outcomes != [None] for outcomes in by_decl.values())


def test_progress_reports_declarations_written(small_dir: Path) -> None:
    seen: list[int] = []
    generate(1000, 1, small_dir / "p.csv", progress=seen.append, chunk_size=300)
    assert seen == [300, 600, 900, 1000]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"declarations": 0}, "declarations must be an integer >= 1, got 0"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"fmt": "kcs"}, "fmt must be one of native, date, got 'kcs'"),
        ({"out": "x.xlsx"}, "out must end in .csv, .jsonl, .parquet, got"),
        ({"chunk_size": 0}, "chunk_size must be an integer >= 1"),
    ],
)
def test_bad_arguments_are_refused_before_writing(
    small_dir: Path, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"declarations": 10, "seed": 1, "out": "bad.csv", "fmt": "native"}
    args |= kwargs
    args["out"] = small_dir / "bad" / str(args["out"])
    with pytest.raises(ValueError, match=re.escape(message)):
        generate(**args)  # type: ignore[arg-type]
    assert not (small_dir / "bad").exists()


def test_a_failed_run_keeps_the_previous_file(small_dir: Path) -> None:
    out = small_dir / "keep.csv"
    out.write_text("previous\n")

    def stop(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate(500, 1, out, progress=stop, chunk_size=100)
    assert out.read_text() == "previous\n"
    assert not (small_dir / "keep.csv.part").exists()
    assert not (small_dir / "keep.oracle.parquet.part").exists()
    assert not (small_dir / "keep.oracle.parquet").exists()
