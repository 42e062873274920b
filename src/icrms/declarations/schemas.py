"""The declaration as the clearance system sends it: header plus items (WCO Data Model names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from icrms.declarations import codes


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

    item_no: int = Field(ge=1)
    hs_code: str
    description: str | None = None
    country_of_origin: str | None = None
    origin_marking: str | None = None
    preference: str | None = None
    quantity: float | None = Field(default=None, ge=0)
    quantity_unit: str | None = None
    net_mass_kg: float | None = Field(default=None, ge=0)
    gross_mass_kg: float | None = Field(default=None, ge=0)
    customs_value: float | None = Field(default=None, ge=0)
    fob_value: float | None = Field(default=None, ge=0)
    duty_rate: float | None = Field(default=None, ge=0)
    duty_amount: float | None = Field(default=None, ge=0)

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

    declaration_id: str = Field(min_length=1, max_length=64)
    version: int = Field(default=1, ge=1)
    lodged_at: datetime
    office_code: str = Field(min_length=1, max_length=16)
    declaration_type: str | None = None
    procedure: str | None = None
    import_use: str | None = None
    payment_method: str | None = None
    declarant_id: str | None = None
    importer_id: str = Field(min_length=1)
    seller_id: str | None = None
    courier_id: str | None = None
    country_of_export: str | None = None
    transport_mode: str | None = None
    transport_document: str | None = None
    containers: list[str] = Field(default_factory=list)
    currency: str | None = None
    aeo: bool = False
    items: list[ItemCreate] = Field(min_length=1)

    @field_validator("lodged_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"lodged_at {value.isoformat()!r} has no UTC offset")
        return value

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
        """A declaration rebuilt from its flat item rows (warehouse or native format)."""
        head = rows[0]
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
