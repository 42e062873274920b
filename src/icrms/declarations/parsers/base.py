"""What a source format adapter declares: its columns and how each native field is read from them."""

from __future__ import annotations

from dataclasses import dataclass, field


def q(column: str) -> str:
    """A quoted SQL identifier for a source column (names like 'HS6 Code' or 'sgd.id')."""
    return '"' + column.replace('"', '""') + '"'


def text(column: str) -> str:
    """SQL for a source column as trimmed text, NULL when empty (trimming only what needs it)."""
    value = f"CAST({q(column)} AS VARCHAR)"
    padded = f"starts_with({value}, ' ') OR ends_with({value}, ' ')"
    return f"NULLIF(CASE WHEN {padded} THEN trim({value}) ELSE {value} END, '')"


@dataclass(frozen=True)
class Adapter:
    """A source format: SQL expressions (over the raw columns) giving the native fields as text.

    Attributes:
        name: the ``--format`` name.
        required: source columns a file must have.
        fields: native field -> SQL expression over raw columns (text or NULL).
        sources: native field -> source column named in error messages.
        date_format: strptime format of ``lodged_at`` when the source gives a local date or time
            without offset (then ``timezone`` says where); None means ISO 8601 with an offset.
        timezone_setting: which ingest setting names the source's local time zone.
        notes: how codes are mapped, for docs and ``icrms ingest --help``.
    """

    name: str
    required: tuple[str, ...]
    fields: dict[str, str]
    sources: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    timezone_setting: str = "source_timezone"
    notes: str = ""

    def source_of(self, native_field: str) -> str:
        """The column name a person sees in the file for a native field."""
        return self.sources.get(native_field, native_field)
