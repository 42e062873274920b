"""The planted fraud patterns can be found in the data, as docs/generator.md promises."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from icrms.generator import GenerateResult
from icrms.generator import geography as geo
from icrms.generator import routes as rt
from icrms.generator.entities import Pools
from icrms.generator.headers import Run
from tests.unit.generator.conftest import PATTERN_DECLARATIONS, SEED


@pytest.fixture(scope="module")
def rows(sample: tuple[GenerateResult, pa.Table]) -> pd.DataFrame:
    df = sample[1].to_pandas()
    usd = df["currency"].map(dict(zip(geo.CURRENCIES, geo.USD_PER_UNIT, strict=True)))
    df["uv_usd"] = df["customs_value"] * usd / df["net_mass_kg"]
    df["hs6"] = df["hs_code"].str[:6]
    return df


@pytest.fixture(scope="module")
def decls(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.groupby("declaration_id").first()


@pytest.fixture(scope="module")
def pools() -> Pools:
    return Run.create(SEED, PATTERN_DECLARATIONS).pools


def _importers(pools: Pools, flags: np.ndarray) -> set[str]:
    return set(pools.importer_ids.filter(pa.array(flags)).to_pylist())


def test_undervaluers_declare_far_below_the_hs6_origin_norm(
    rows: pd.DataFrame, pools: Pools
) -> None:
    dutiable = rows[rows["duty_rate"] > 0].copy()
    under = dutiable["importer_id"].isin(_importers(pools, pools.undervaluer))
    norm = dutiable[~under].groupby(["hs6", "country_of_origin"])["uv_usd"].median()
    keys = pd.MultiIndex.from_frame(dutiable[["hs6", "country_of_origin"]])
    dutiable["ratio"] = dutiable["uv_usd"].to_numpy() / norm.reindex(keys).to_numpy()
    assert under.sum() > 500
    # undervaluers cheat at their own rate, within their own window of days: far more of their
    # items than of others' sit below 0.6 x the norm, and their median is clearly lower
    low = dutiable["ratio"] < 0.6
    assert low[under].mean() > 4 * low[~under].mean()
    assert dutiable.loc[under, "ratio"].median() < 0.8
    assert 0.85 < dutiable.loc[~under, "ratio"].median() < 1.15


def test_random_controls_are_a_uniform_share_and_targeting_hits_more(decls: pd.DataFrame) -> None:
    n = len(decls)
    random = decls[decls["control_selection"] == "random"]
    targeted = decls[decls["control_selection"] == "targeted"]
    assert abs(len(random) / n - 0.03) < 4 * np.sqrt(0.03 * 0.97 / n)
    # Uniform: the random sample looks like the population.
    assert abs(random["aeo"].mean() - decls["aeo"].mean()) < 0.05
    assert (
        abs(random["transport_mode"].eq("1").mean() - decls["transport_mode"].eq("1").mean()) < 0.05
    )
    random_rate = (random["control_outcome"] != "no_finding").mean()
    targeted_rate = (targeted["control_outcome"] != "no_finding").mean()
    assert 0.03 < random_rate < 0.2
    assert targeted_rate > 2 * random_rate


def test_aeo_importers_are_mostly_compliant(decls: pd.DataFrame) -> None:
    random = decls[decls["control_selection"] == "random"]
    hit = random["control_outcome"] != "no_finding"
    assert hit[random["aeo"]].mean() < hit[~random["aeo"]].mean() / 3


def test_misclassifiers_declare_the_lower_duty_neighbour(rows: pd.DataFrame, pools: Pools) -> None:
    mis = rows["importer_id"].isin(_importers(pools, pools.misclassifier))
    tyres = rows[rows["hs6"].isin(["401110", "401220"])]
    used_share = tyres.groupby(mis[tyres.index])["hs6"].apply(lambda s: s.eq("401220").mean())
    assert used_share[True] > used_share[False] + 0.25
    used = tyres[tyres["hs6"] == "401220"]
    # "Used" tyres of misclassifiers are new tyres: their unit value is several times higher.
    uv = used.groupby(mis[used.index])["uv_usd"].median()
    assert uv[True] > 2.5 * uv[False]


def test_false_origin_claims_a_partner_origin_for_goods_shipped_from_china(
    rows: pd.DataFrame, pools: Pools
) -> None:
    scheme = (
        rows["country_of_export"].eq("CN")
        & rows["country_of_origin"].isin(["VN", "TH", "MY", "ID"])
        & rows["preference"].eq("FTA-ASEAN")
    )
    assert scheme.sum() > 200
    claimers = _importers(pools, pools.false_origin)
    assert rows.loc[scheme, "importer_id"].isin(claimers).mean() > 0.9
    controlled = rows[scheme & rows["control_outcome"].notna() & rows["importer_id"].isin(claimers)]
    assert len(controlled) > 20
    assert controlled["irregularity_types"].str.contains("false_origin").mean() > 0.9
    assert (controlled["extra_revenue"] > 0).all()


def test_seizures_happen_on_concealment_routes(rows: pd.DataFrame, decls: pd.DataFrame) -> None:
    seized_ids = decls.index[decls["control_outcome"] == "seizure"]
    assert len(seized_ids) >= 20
    seized = rows[rows["declaration_id"].isin(seized_ids)]
    routes = {r.goods: r for r in rt.ROUTES}
    for decl_id, items in seized.groupby("declaration_id"):
        route = routes[items["seizure_goods"].iloc[0]]
        first = items[items["item_no"] == 1].iloc[0]
        assert first["country_of_export"] in route.exports, decl_id
        assert first["transport_mode"] == geo.MODES[route.mode]
        assert first["hs6"] in route.hs6
        assert first["concealment"] == route.concealment
        assert route.irregularity in first["irregularity_types"].split(";")
    controlled = decls[decls["control_outcome"].notna()]
    assert (controlled["control_outcome"] == "seizure").mean() < 0.05


def test_importer_activity_is_skewed(decls: pd.DataFrame) -> None:
    counts = decls["importer_id"].value_counts()
    top = counts.iloc[: max(1, len(counts) // 100)].sum()
    assert top / counts.sum() > 0.15
    assert (counts == 1).sum() > len(counts) * 0.2
