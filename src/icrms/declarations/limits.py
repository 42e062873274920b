"""Bounds on every declaration field: what real declarations respect and the warehouse stores.

One list, read by the pydantic model (live path), the ingest rules (files), the store-to-warehouse
ETL and docs/security.md, so a value refused on one path is refused on all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

INT32_MAX = 2**31 - 1  # item_no, version and date keys are 32-bit integers in the warehouse

# Longest text, in characters, of each text field. WCO Data Model lengths where it has one
# (goods description an..512, transport document an..70, party identifiers an..35), with room
# for national formats; codes are short by nature.
CODE_MAX = 16
IDENT_MAX = 64
DOCUMENT_MAX = 70
DESCRIPTION_MAX = 512
TEXT_MAX: dict[str, int] = {
    "declaration_id": IDENT_MAX,
    "office_code": CODE_MAX,
    "declaration_type": CODE_MAX,
    "procedure": CODE_MAX,
    "import_use": CODE_MAX,
    "payment_method": CODE_MAX,
    "declarant_id": IDENT_MAX,
    "importer_id": IDENT_MAX,
    "seller_id": IDENT_MAX,
    "courier_id": IDENT_MAX,
    "transport_mode": CODE_MAX,
    "transport_document": DOCUMENT_MAX,
    "description": DESCRIPTION_MAX,
    "origin_marking": CODE_MAX,
    "preference": CODE_MAX,
    "quantity_unit": CODE_MAX,
    "seizure_goods": DESCRIPTION_MAX,
    "concealment": DESCRIPTION_MAX,
    "modus_operandi": DESCRIPTION_MAX,
}
MAX_CONTAINERS = 999  # container numbers on one declaration
MAX_ITEMS = 999  # goods items on one declaration (the WCO Data Model's n..3 item number)

# Whole numbers: at least 1 and no more than a 32-bit integer holds. DATE files number items by
# their line in the file, so item_no keeps the whole 32-bit range.
WHOLE_MAX: dict[str, int] = {"version": INT32_MAX, "item_no": INT32_MAX}

# Amounts, quantities and masses: finite, from 0 to 10^15 (a quadrillion in any currency or unit
# keeps every sum of a year of declarations exact to the cent in a double).
AMOUNT_MAX = 1e15
AMOUNT_FIELDS = (
    "quantity",
    "net_mass_kg",
    "gross_mass_kg",
    "customs_value",
    "fob_value",
    "duty_amount",
    "extra_revenue",
)
DUTY_RATE_MAX = 100.0  # a fraction: 100 = 10,000 %
# A mass is 0 (not declared) or at least 1 mg: a smaller one makes unit_value meaningless and,
# near 1e-310, infinite.
MASS_MIN_KG = 1e-6
MASS_FIELDS = ("net_mass_kg", "gross_mass_kg")

# Instants: lodged and control times between these (UTC), with an offset of at most 14 hours.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_OFFSET = timedelta(hours=14)


def number_max(field: str) -> float:
    """The largest value a numeric field may hold."""
    return DUTY_RATE_MAX if field == "duty_rate" else AMOUNT_MAX


def text_problem(field: str, value: str | None) -> str | None:
    """Why a text value is too long, or None when it is fine."""
    limit = TEXT_MAX.get(field)
    if value is None or limit is None or len(value) <= limit:
        return None
    return f"is {len(value)} characters long; at most {limit} are allowed"


def number_problem(field: str, value: float | None) -> str | None:
    """Why a number is out of bounds, or None when it is fine (NaN and infinity are refused)."""
    if value is None:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return "is not a finite number"
    if value < 0:
        return "is negative"
    if value > number_max(field):
        return f"is larger than {number_max(field):g}"
    if field in MASS_FIELDS and 0 < value < MASS_MIN_KG:
        return f"is below {MASS_MIN_KG:g} kg (1 mg) but not 0"
    return None


def instant_problem(value: datetime) -> str | None:
    """Why a time is unusable: no offset, an offset beyond 14 hours, or outside 1970-2099."""
    offset = value.utcoffset()
    if offset is None:
        return "has no UTC offset"
    if abs(offset) > MAX_OFFSET:
        return "has a UTC offset beyond 14 hours"
    # compare the local time first: converting year 9999 at -14:00 to UTC would overflow
    if not EARLIEST.year <= value.year < LATEST.year:
        return f"is outside {EARLIEST.year} to {LATEST.year - 1}"
    if not EARLIEST <= value.astimezone(UTC) < LATEST:
        return f"is outside {EARLIEST.year} to {LATEST.year - 1}"
    return None
