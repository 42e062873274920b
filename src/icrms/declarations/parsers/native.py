"""The native flat format: one row per item with the field names of declarations.fields."""

from __future__ import annotations

from icrms.declarations.fields import (
    CLEARANCE_COLUMNS,
    CONTROL_COLUMNS,
    NATIVE_COLUMNS,
    REQUIRED_COLUMNS,
)
from icrms.declarations.parsers.base import Adapter, text

NATIVE = Adapter(
    name="native",
    required=REQUIRED_COLUMNS,
    fields={c: text(c) for c in NATIVE_COLUMNS + CONTROL_COLUMNS + CLEARANCE_COLUMNS},
    notes="Columns as in docs/formats.md; optional columns may be absent.",
)
