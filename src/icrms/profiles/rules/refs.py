"""What a criterion reads: its fields and watchlists."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from icrms.profiles.rules.fields import FieldCatalog, FieldType
from icrms.profiles.rules.parse import Criterion, ensure_criterion


def referenced_fields(
    criterion: str | Criterion,
    *,
    catalog: FieldCatalog | None = None,
    extra_fields: Mapping[str, FieldType | str | pa.DataType] | None = None,
) -> frozenset[str]:
    """Names of the fields the criterion reads.

    Raises:
        CriterionError: The criterion is invalid.
    """
    return ensure_criterion(criterion, catalog, extra_fields).fields


def referenced_watchlists(
    criterion: str | Criterion,
    *,
    catalog: FieldCatalog | None = None,
    extra_fields: Mapping[str, FieldType | str | pa.DataType] | None = None,
) -> frozenset[str]:
    """Names of the watchlists the criterion consults through ``in_watchlist``.

    Raises:
        CriterionError: The criterion is invalid.
    """
    return ensure_criterion(criterion, catalog, extra_fields).watchlists
