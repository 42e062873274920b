"""The declaration model bounds every field as the ingest rules do (issue 8 items 1, 2; issue 7)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from icrms.controls.schemas import ControlResultCreate
from icrms.declarations import limits
from icrms.declarations.schemas import DeclarationCreate, ItemCreate
from tests.unit.declarations.test_schemas import declaration


def item(**overrides: object) -> dict[str, object]:
    return {"item_no": 1, "hs_code": "8517130000", "net_mass_kg": 110.0, **overrides}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"version": 2**70}, "version"),
        ({"version": 2**31}, "version"),
        ({"items": [item(item_no=2**31)]}, "item_no"),
        ({"items": [item(quantity=1e16)]}, "quantity"),
        ({"items": [item(customs_value=2e15)]}, "customs_value"),
        ({"items": [item(duty_rate=101)]}, "duty_rate"),
        ({"items": [item(net_mass_kg=1e-310, customs_value=41000.0)]}, "net_mass_kg"),
        ({"items": [item(gross_mass_kg=5e-7)]}, "gross_mass_kg"),
        ({"lodged_at": "9999-12-31T23:59:59-14:00"}, "lodged_at"),
        ({"lodged_at": "1969-12-31T23:59:59Z"}, "lodged_at"),
        ({"lodged_at": "2100-01-01T01:00:00+14:00"}, "lodged_at"),
        ({"lodged_at": "2026-03-02T09:14:00+15:00"}, "lodged_at"),
        ({"items": [item(description="x" * 40_000)]}, "description"),
        ({"declaration_id": "D" * 65}, "declaration_id"),
        ({"importer_id": "I" * 65}, "importer_id"),
        ({"transport_document": "B" * 71}, "transport_document"),
        ({"items": [item(item_no=n) for n in range(1, 1001)]}, "items"),
        ({"containers": ["CSQU3054383"] * 1000}, "containers"),
    ],
)
def test_out_of_bounds_values_are_refused(overrides: dict[str, object], field: str) -> None:
    """Each of these was accepted before: they crashed the ETL, the live engine or took ages."""
    with pytest.raises(ValidationError) as info:
        DeclarationCreate.model_validate(declaration(**overrides))
    assert field in str(info.value)


def test_values_at_the_bounds_are_accepted() -> None:
    d = DeclarationCreate.model_validate(
        declaration(
            version=limits.INT32_MAX,
            lodged_at="2099-12-31T23:59:59+14:00",
            items=[
                item(
                    item_no=limits.INT32_MAX,
                    description="x" * 512,
                    net_mass_kg=limits.MASS_MIN_KG,
                    customs_value=limits.AMOUNT_MAX,
                    duty_rate=limits.DUTY_RATE_MAX,
                )
            ],
        )
    )
    assert d.items[0].unit_value == pytest.approx(1e21)
    assert DeclarationCreate.model_validate(declaration(lodged_at="1970-01-01T00:00:00Z"))


def test_missing_and_null_aeo_mean_false() -> None:
    assert DeclarationCreate.model_validate(declaration()).aeo is False
    assert DeclarationCreate.model_validate(declaration(aeo=None)).aeo is False


@pytest.mark.parametrize("field", ["office_code", "aeo", "lodged_at", "currency", "importer_id"])
def test_item_rows_that_disagree_on_a_header_field_are_refused(field: str) -> None:
    rows = DeclarationCreate.model_validate(
        declaration(items=[item(item_no=1), item(item_no=2)])
    ).item_rows()
    other = {
        "office_code": "0043",
        "aeo": True,
        "lodged_at": rows[0]["lodged_at"].replace(hour=1),
        "currency": "EUR",
        "importer_id": "TIN-9",
    }
    rows[1][field] = other[field]
    with pytest.raises(ValueError, match=f"disagree on header fields: {field}"):
        DeclarationCreate.from_item_rows(rows)
    rows[1][field] = rows[0][field]
    assert len(DeclarationCreate.from_item_rows(rows).items) == 2


@pytest.mark.parametrize("field", sorted(limits.TEXT_MAX))
def test_every_text_bound_holds_on_the_live_path(field: str) -> None:
    """The model refuses one character more than limits.TEXT_MAX on every field it has."""
    too_long = "A" * (limits.TEXT_MAX[field] + 1)
    if field in ControlResultCreate.model_fields:
        make = {"declaration_id": "X", "controlled_at": "2026-03-02T00:00:00Z"}
        with pytest.raises(ValidationError, match=field):
            ControlResultCreate.model_validate({**make, "outcome": "seizure", field: too_long})
    if field in ItemCreate.model_fields:
        with pytest.raises(ValidationError, match=field):
            DeclarationCreate.model_validate(declaration(items=[item(**{field: too_long})]))
    elif field in DeclarationCreate.model_fields:
        with pytest.raises(ValidationError, match=field):
            DeclarationCreate.model_validate(declaration(**{field: too_long}))
    else:
        assert field in ControlResultCreate.model_fields
