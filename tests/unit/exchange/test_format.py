"""The wire format: official TLP 2.0 markings, icrms types validated by stix2 and the JSON Schema."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stix2

from icrms.errors import ValidationError
from icrms.exchange import objects as objs
from icrms.exchange import stix
from icrms.exchange.bundles import build_bundle
from icrms.exchange.schemas import AlertCreate
from icrms.exchange.validate import check_bundle, register
from icrms.profiles.schemas import ProfileRead
from tests.exchange_support import PHONES, instance

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(tmp_path: Path):  # type: ignore[no-untyped-def]
    return instance(tmp_path / "a", "XA", "KR").admin


def every_kind(admin: Any) -> list[dict[str, Any]]:
    profile = ProfileRead(**PHONES.model_dump(), version=1, status="active", created_at=AT)
    ind = objs.indicator(admin.code, admin.stix_id, profile, "amber", AT)
    alert = objs.alert(
        admin.stix_id,
        AlertCreate(
            title="Phones via HK",
            description="Undervalued phones shipped via Hong Kong",
            risk_category="revenue",
            goods=[{"hs_code": "851713", "description": "smartphones"}],
            routes=[{"country_of_departure": "HK", "transport_mode": "4"}],
            recommended_action="documentary check of the invoice",
            traders=[{"role": "importer", "id": "TIN-1"}],
        ),
        [ind["id"]],
        "red",
        AT,
    )
    seizure = objs.seizure(
        admin.stix_id,
        {
            "seized_on": "2026-02-27",
            "country": "KR",
            "goods_description": "cocaine",
            "offence_types": ["drugs"],
            "concealment": "banana boxes",
        },
        "amber+strict",
        AT,
    )
    sighting = objs.sighting(
        admin.code,
        admin.stix_id,
        "indicator--c1b14d4a-31d4-5f95-9a8b-216023ddd4be",
        {
            "selections": 4,
            "controls": 3,
            "hits": 2,
            "outcomes": {"no_finding": 1, "irregularity": 2, "seizure": 0},
        },
        AT - timedelta(days=3),
        AT,
        "green",
        AT,
    )
    export = objs.pre_arrival(
        admin.code,
        admin.stix_id,
        {
            "export_declaration_id": "EX-1",
            "exported_at": AT,
            "country_of_export": "KR",
            "country_of_destination": "VN",
            "currency": "USD",
            "transport_document": "MSKU123456789",
            "containers": ["MSKU1234565"],
            "items": [
                {"item_no": 1, "hs_code": "851713", "statistical_value": 1000.0, "net_mass_kg": 2.0}
            ],
        },
        "amber",
        AT,
    )
    aggregate = objs.aggregates(
        admin.code,
        admin.stix_id,
        [
            {
                "hs6": "851713",
                "country_of_origin": "CN",
                "period": "2026-01",
                "declarations": 40,
                "controls": 5,
                "irregularities": 2,
                "revenue_usd": 310.5,
            }
        ],
        datetime(2026, 1, 1).date(),
        datetime(2026, 1, 31).date(),
        10,
        "green",
        AT,
    )
    return [ind, alert, seizure, sighting, export, aggregate]


def bundle(admin: Any) -> dict[str, Any]:
    return build_bundle(
        admin, every_kind(admin), recipients=["XB"], issued=AT, expires=AT + timedelta(days=30)
    )


def test_tlp_markings_are_the_official_objects() -> None:
    assert stix.TLP_IDS["red"] == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
    red = stix.tlp_marking("red")
    assert red["name"] == "TLP:RED"
    assert red["extensions"][stix.TLP_EXTENSION] == {
        "extension_type": "property-extension",
        "tlp_2_0": "red",
    }
    assert [stix.tlp_marking(level)["name"] for level in stix.TLP_LEVELS] == [
        "TLP:CLEAR",
        "TLP:GREEN",
        "TLP:AMBER",
        "TLP:AMBER+STRICT",
        "TLP:RED",
    ]


def test_every_kind_in_one_bundle_is_valid_stix_and_icrms(admin: Any) -> None:
    b = bundle(admin)
    check_bundle(b)
    register()
    parsed = stix2.parse(json.dumps(b), allow_custom=False)
    kinds = {type(o).__name__ for o in parsed.objects}
    assert {
        "Indicator",
        "Alert",
        "Seizure",
        "Sighting",
        "PreArrival",
        "AggregateStatistics",
        "BundleHeader",
    } <= kinds
    assert all(
        stix.tlp_of(o)
        for o in b["objects"]
        if o["type"] not in ("marking-definition", "extension-definition")
    )


def _ext(obj: dict[str, Any], name: str) -> dict[str, Any]:
    return obj["extensions"][stix.EXT[name]]


BREAKS = {
    "alert without title": (1, lambda o: o.pop("title")),
    "alert with an unknown property": (1, lambda o: o.update(smuggled="x")),
    "alert urgency out of the list": (1, lambda o: o.update(urgency="panic")),
    "indicator score above 100": (
        0,
        lambda o: _ext(o, "risk-indicator").update(suggested_score=500),
    ),
    "indicator criterion not in the rule language": (0, lambda o: o.update(pattern="hs6 = ; DROP")),
    "indicator without a marking": (0, lambda o: o.pop("object_marking_refs")),
    "seizure with a bad date": (2, lambda o: o.update(seized_on="27/02/2026")),
    "pre-arrival item without value": (4, lambda o: o["items"][0].pop("statistical_value")),
    "aggregate cell naming a trader": (5, lambda o: o["cells"][0].update(importer_id="TIN-1")),
    "sighting outcomes miscounted type": (
        3,
        lambda o: _ext(o, "control-feedback")["outcomes"].update(seizure="two"),
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_a_broken_object_is_refused_naming_it(admin: Any, name: str) -> None:
    b = bundle(admin)
    index, breaker = BREAKS[name]
    target = every_kind(admin)[index]
    member = next(o for o in b["objects"] if o["type"] == target["type"])
    breaker(member)
    with pytest.raises(ValidationError) as info:
        check_bundle(b)
    assert (
        member["id"] in str(info.value.field)
        or member["id"] in str(info.value.value)
        or member["id"] in info.value.message
    )


def test_a_forged_tlp_marking_is_refused(admin: Any) -> None:
    b = bundle(admin)
    marking = next(o for o in b["objects"] if o.get("id") == stix.TLP_IDS["red"])
    marking["extensions"][stix.TLP_EXTENSION]["tlp_2_0"] = "clear"
    with pytest.raises(ValidationError, match=r"official TLP 2\.0"):
        check_bundle(b)


def test_traders_are_removed_for_partners_without_the_agreement(admin: Any) -> None:
    alert = every_kind(admin)[1]
    assert objs.has_traders(alert)
    bare = objs.without_traders(alert)
    assert not objs.has_traders(bare) and "traders" not in bare and alert["traders"]


def test_extension_definitions_name_the_published_schema() -> None:
    defs = stix.extension_definitions()
    assert {d["id"] for d in defs} == set(stix.EXT.values())
    schema = stix.json_schema()
    for d in defs:
        assert d["extension_types"][0] in ("new-sdo", "property-extension")
        assert d["version"] == stix.SCHEMA_VERSION
    assert schema["$id"] == "urn:icrms:exchange-format:1"
    copy.deepcopy(schema)
