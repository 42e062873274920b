"""The declaration as the clearance system sends it: header plus items (WCO Data Model names)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from icrms.declarations import codes, limits
from icrms.declarations.fields import HEADER_FIELDS

# Bounded types (limits.py has the numbers; a test holds each field to limits.TEXT_MAX)
Code = Annotated[str, Field(max_length=limits.CODE_MAX)]
Ident = Annotated[str, Field(max_length=limits.IDENT_MAX)]
Document = Annotated[str, Field(max_length=limits.DOCUMENT_MAX)]
Description = Annotated[str, Field(max_length=limits.DESCRIPTION_MAX)]
Amount = Annotated[float, Field(ge=0, le=limits.AMOUNT_MAX)]
Rate = Annotated[float, Field(ge=0, le=limits.DUTY_RATE_MAX)]
Whole = Annotated[int, Field(ge=1, le=limits.INT32_MAX)]


def _country(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    value = value.strip().upper()
    if value not in codes.countries():
        raise ValueError(f"{field} {value!r} is not an ISO 3166-1 alpha-2 code")
    return value


class ItemCreate(BaseModel):
    """One goods item (tariff line) of a declaration."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    item_no: Whole
    hs_code: str = Field(max_length=10)
    description: Description | None = None
    country_of_origin: str | None = None
    origin_marking: Code | None = None
    preference: Code | None = None
    quantity: Amount | None = None
    quantity_unit: Code | None = None
    net_mass_kg: Amount | None = None
    gross_mass_kg: Amount | None = None
    customs_value: Amount | None = None
    fob_value: Amount | None = None
    duty_rate: Rate | None = None
    duty_amount: Amount | None = None

    @field_validator("hs_code")
    @classmethod
    def _hs(cls, value: str) -> str:
        problem = codes.hs_problem(value)
        if problem:
            raise ValueError(f"hs_code {value!r}: {problem}")
        return value

    @field_validator("country_of_origin")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        return _country(value, "country_of_origin")

    @field_validator(*limits.MASS_FIELDS)
    @classmethod
    def _mass(cls, value: float | None) -> float | None:
        if value is not None and 0 < value < limits.MASS_MIN_KG:
            raise ValueError(f"mass {value!r} is below {limits.MASS_MIN_KG:g} kg (1 mg) but not 0")
        return value

    @model_validator(mode="after")
    def _finite_unit_value(self) -> ItemCreate:
        if self.unit_value is not None and not math.isfinite(self.unit_value):
            raise ValueError(f"unit_value of item {self.item_no} is not a finite number")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hs2(self) -> str:
        """HS chapter."""
        return self.hs_code[:2]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hs4(self) -> str:
        """HS heading."""
        return self.hs_code[:4]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hs6(self) -> str:
        """HS subheading."""
        return self.hs_code[:6]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit_value(self) -> float | None:
        """Customs value per kg of net mass (gross mass where net is absent); None without mass."""
        mass = self.net_mass_kg if self.net_mass_kg is not None else self.gross_mass_kg
        if self.customs_value is None or not mass:
            return None
        return self.customs_value / mass


class DeclarationCreate(BaseModel):
    """A goods declaration: header fields and one or more items."""

    model_config = ConfigDict(extra="forbid")

    declaration_id: str = Field(min_length=1, max_length=limits.TEXT_MAX["declaration_id"])
    version: Whole = 1
    lodged_at: datetime
    office_code: str = Field(min_length=1, max_length=limits.TEXT_MAX["office_code"])
    declaration_type: Code | None = None
    procedure: Code | None = None
    import_use: Code | None = None
    payment_method: Code | None = None
    declarant_id: Ident | None = None
    importer_id: str = Field(min_length=1, max_length=limits.TEXT_MAX["importer_id"])
    seller_id: Ident | None = None
    courier_id: Ident | None = None
    country_of_export: str | None = None
    transport_mode: str | None = None
    transport_document: Document | None = None
    containers: list[str] = Field(default_factory=list, max_length=limits.MAX_CONTAINERS)
    currency: str | None = None
    # not an AEO unless it says so: absent, null and (in files) empty all mean FALSE
    aeo: bool = False
    items: list[ItemCreate] = Field(min_length=1, max_length=limits.MAX_ITEMS)

    @field_validator("lodged_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        problem = limits.instant_problem(value)
        if problem:
            raise ValueError(f"lodged_at {value.isoformat()!r} {problem}")
        return value

    @field_validator("aeo", mode="before")
    @classmethod
    def _aeo_default(cls, value: object) -> object:
        return False if value is None else value

    @field_validator("country_of_export")
    @classmethod
    def _export(cls, value: str | None) -> str | None:
        return _country(value, "country_of_export")

    @field_validator("transport_mode")
    @classmethod
    def _mode(cls, value: str | None) -> str | None:
        if value is not None and value not in codes.TRANSPORT_MODES:
            raise ValueError(f"transport_mode {value!r} is not a UN Rec. 19 code (0-9)")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in codes.currencies():
            raise ValueError(f"currency {value!r} is not an ISO 4217 code")
        return value.upper() if value else value

    @field_validator("containers")
    @classmethod
    def _containers(cls, value: list[str]) -> list[str]:
        for number in value:
            problem = codes.container_problem(number)
            if problem:
                raise ValueError(f"containers {number!r}: {problem}")
        return value

    @field_validator("items")
    @classmethod
    def _item_numbers(cls, value: list[ItemCreate]) -> list[ItemCreate]:
        numbers = [item.item_no for item in value]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"items: item_no repeated in {numbers}")
        return value

    @classmethod
    def from_item_rows(cls, rows: list[dict[str, Any]]) -> DeclarationCreate:
        """A declaration rebuilt from its flat item rows (warehouse or native format).

        Raises:
            ValueError: the rows disagree on a header field (which one is named).
        """
        head = rows[0]
        differ = [
            f"{f.name} ({', '.join(sorted({repr(r.get(f.name)) for r in rows}))})"
            for f in HEADER_FIELDS
            if any(r.get(f.name) != head.get(f.name) for r in rows)
        ]
        if differ:
            raise ValueError(
                f"items of declaration {head.get('declaration_id')!r} disagree on "
                f"header fields: {'; '.join(differ)}; the whole declaration is refused"
            )
        header = {
            k: head[k]
            for k in cls.model_fields
            if k not in ("items", "containers") and head.get(k) is not None
        }
        containers = str(head["containers"]).split(";") if head.get("containers") else []
        items = [{k: r[k] for k in ItemCreate.model_fields if r.get(k) is not None} for r in rows]
        return cls.model_validate({**header, "containers": containers, "items": items})

    def item_rows(self) -> list[dict[str, Any]]:
        """The declaration flattened one row per item (the native flat format plus derived fields)."""
        header = self.model_dump(exclude={"items"})
        header["containers"] = ";".join(self.containers) or None
        header["lodged_date"] = self.lodged_at.date()
        header["lodged_at"] = self.lodged_at
        return [{**header, **item.model_dump()} for item in self.items]


class DeclarationRead(DeclarationCreate):
    """A stored declaration."""

    received_at: datetime
