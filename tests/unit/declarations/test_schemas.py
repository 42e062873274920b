from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from icrms.declarations.codes import container_problem, hs_problem, iso6346_check_digit
from icrms.declarations.schemas import DeclarationCreate


def declaration(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "declaration_id": "2026-0042-000123",
        "lodged_at": "2026-03-02T09:14:00+09:00",
        "office_code": "0042",
        "importer_id": "TIN-553201",
        "country_of_export": "CN",
        "transport_mode": "1",
        "containers": ["CSQU3054383"],
        "currency": "USD",
        "items": [
            {
                "item_no": 1,
                "hs_code": "8517130000",
                "country_of_origin": "CN",
                "net_mass_kg": 110.0,
                "customs_value": 41000.0,
            },
        ],
    }
    base.update(overrides)
    return base


def test_valid_declaration_derives_hs_levels_and_unit_value() -> None:
    d = DeclarationCreate.model_validate(declaration())
    item = d.items[0]
    assert (item.hs2, item.hs4, item.hs6) == ("85", "8517", "851713")
    assert item.unit_value == pytest.approx(41000.0 / 110.0)
    rows = d.item_rows()
    assert rows[0]["containers"] == "CSQU3054383"
    assert str(rows[0]["lodged_date"]) == "2026-03-02"


def test_unknown_country_zz_is_valid() -> None:
    d = DeclarationCreate.model_validate(declaration(country_of_export="ZZ"))
    assert d.country_of_export == "ZZ"


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"country_of_export": "XQ"}, ["country_of_export", "'XQ'"]),
        ({"currency": "ABC"}, ["currency", "'ABC'"]),
        ({"transport_mode": "12"}, ["transport_mode", "'12'"]),
        ({"containers": ["CSQU3054384"]}, ["containers", "'CSQU3054384'", "check digit"]),
        ({"lodged_at": "2026-03-02T09:14:00"}, ["lodged_at", "no UTC offset"]),
        ({"items": [{"item_no": 1, "hs_code": "98123456"}]}, ["hs_code", "'98123456'", "chapter"]),
        ({"items": [{"item_no": 1, "hs_code": "85171"}]}, ["hs_code", "'85171'", "6 to 10 digits"]),
        ({"items": [{"item_no": 1, "hs_code": "851713", "customs_value": -1}]}, ["customs_value"]),
        (
            {"items": [{"item_no": 1, "hs_code": "851713", "customs_value": "inf"}]},
            ["customs_value", "finite number"],
        ),
        ({"items": [{"item_no": 1, "hs_code": "851713", "quantity": "nan"}]}, ["quantity"]),
        ({"items": []}, ["items"]),
    ],
)
def test_bad_values_are_refused_with_field_and_value(
    overrides: dict[str, object], names: list[str]
) -> None:
    with pytest.raises(ValidationError) as info:
        DeclarationCreate.model_validate(declaration(**overrides))
    text = str(info.value)
    for name in names:
        assert name in text


def test_repeated_item_numbers_are_refused() -> None:
    items = [{"item_no": 1, "hs_code": "851713"}, {"item_no": 1, "hs_code": "851712"}]
    with pytest.raises(ValidationError, match="item_no repeated"):
        DeclarationCreate.model_validate(declaration(items=items))


def test_iso6346_check_digit_matches_published_example() -> None:
    assert iso6346_check_digit("CSQU305438") == 3
    assert container_problem("CSQU3054383") is None
    assert "format" in (container_problem("CSQ3054383") or "") or container_problem("CSQ3054383")


def test_hs_problem() -> None:
    assert hs_problem("0101210000") is None
    assert hs_problem("9999999") is not None
    assert hs_problem("00123456") is not None


def test_lodged_at_keeps_offset() -> None:
    d = DeclarationCreate.model_validate(declaration())
    assert d.lodged_at == datetime.fromisoformat("2026-03-02T00:14:00+00:00")
