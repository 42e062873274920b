"""The fields a criterion may reference, with their rule-language types.

The default catalogue is every native and derived column of a declaration item row and the
mirror gaps known for it at assessment time (:mod:`icrms.declarations.fields`). Callers may register extra fields, e.g. a model score
computed at assessment time, with :meth:`FieldCatalog.extended` or the ``extra_fields``
parameter of the public functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import pyarrow as pa

from icrms.declarations import fields as declaration_fields

FieldType = Literal["string", "number", "bool", "date", "timestamp"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of the catalogue.

    Attributes:
        name: Column name (lower case).
        type: Rule-language type.
        integer: For numbers: the column holds integers (arithmetic converts it to double).
    """

    name: str
    type: FieldType
    integer: bool = False


def rule_type(arrow_type: pa.DataType) -> tuple[FieldType, bool]:
    """Rule-language type (and integer flag) of an Arrow type.

    Raises:
        ValueError: The Arrow type has no rule-language counterpart.
    """
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string", False
    if pa.types.is_boolean(arrow_type):
        return "bool", False
    if pa.types.is_integer(arrow_type):
        return "number", True
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number", False
    if pa.types.is_date(arrow_type):
        return "date", False
    if pa.types.is_timestamp(arrow_type):
        return "timestamp", False
    raise ValueError(f"arrow type {arrow_type} has no rule-language type")


def _spec(name: str, kind: FieldType | str | pa.DataType) -> FieldSpec:
    if not _NAME.match(name):
        raise ValueError(f"field name {name!r} must be a lower-case identifier")
    if isinstance(kind, pa.DataType):
        rtype, integer = rule_type(kind)
        return FieldSpec(name, rtype, integer)
    if kind not in FIELD_TYPES:
        raise ValueError(f"field {name!r}: type {kind!r} is not one of {', '.join(FIELD_TYPES)}")
    return FieldSpec(name, kind)  # type: ignore[arg-type]


class FieldCatalog(Mapping[str, FieldSpec]):
    """An immutable, hashable mapping of field name to :class:`FieldSpec`."""

    __slots__ = ("_fields", "_hash")

    def __init__(self, specs: Iterable[FieldSpec]) -> None:
        """Build a catalogue from field specs (names must be unique)."""
        fields: dict[str, FieldSpec] = {}
        for spec in specs:
            if spec.name in fields:
                raise ValueError(f"field {spec.name!r} is defined twice")
            fields[spec.name] = spec
        self._fields = fields
        self._hash = hash(tuple(sorted(fields.values(), key=lambda s: s.name)))

    @classmethod
    def default(cls) -> FieldCatalog:
        """The declaration item row: native, derived and mirror fields."""
        return _DEFAULT

    @classmethod
    def from_arrow(cls, fields: Iterable[declaration_fields.Field | pa.Field]) -> FieldCatalog:
        """Catalogue of declaration fields or Arrow schema fields."""
        return cls(_spec(f.name, f.type) for f in fields)

    def extended(self, extra: Mapping[str, FieldType | str | pa.DataType]) -> FieldCatalog:
        """A copy with extra fields, e.g. ``{"model_score": "number"}``.

        Raises:
            ValueError: A name is invalid or already defined, or a type is unknown.
        """
        return FieldCatalog([*self._fields.values(), *(_spec(n, t) for n, t in extra.items())])

    def __getitem__(self, name: str) -> FieldSpec:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldCatalog) and self._fields == other._fields

    def __repr__(self) -> str:
        return f"FieldCatalog({len(self._fields)} fields)"


_DEFAULT = FieldCatalog.from_arrow(
    declaration_fields.NATIVE_FIELDS
    + declaration_fields.DERIVED_FIELDS
    + declaration_fields.MIRROR_FIELDS
)


def resolve_catalog(
    catalog: FieldCatalog | None = None,
    extra_fields: Mapping[str, FieldType | str | pa.DataType] | None = None,
) -> FieldCatalog:
    """The catalogue to use: ``catalog`` (default: the item row) plus ``extra_fields``."""
    base = _DEFAULT if catalog is None else catalog
    return base.extended(extra_fields) if extra_fields else base
