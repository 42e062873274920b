"""Errors raised by the rule language."""

from __future__ import annotations


class CriterionError(ValueError):
    """A risk-profile criterion was rejected.

    Attributes:
        criterion: The criterion text as given.
        position: Character offset of the offending part (best effort), or None.
        message: What was rejected and where, e.g. "unknown field 'importr_id' at position 0".
    """

    def __init__(self, criterion: str, reason: str, position: int | None = None) -> None:
        self.criterion = criterion
        self.position = position
        self.reason = reason
        self.message = reason if position is None else f"{reason} at position {position}"
        super().__init__(self.message)
