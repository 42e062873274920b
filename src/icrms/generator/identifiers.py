"""Check-digit identifiers, vectorised: ISO 6346 containers, IATA air waybills, UPU S10 items.

The scalar ISO 6346 check lives in ``icrms.declarations.codes``.
"""

from __future__ import annotations

import string

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# ISO 6346 letter values: A=10 upwards, skipping multiples of 11.
_LETTER_VALUES = dict(
    zip(string.ascii_uppercase, [v for v in range(10, 39) if v % 11], strict=True)
)
# Real owner (BIC) prefixes with the equipment category "U".
CONTAINER_OWNERS = (
    "MSCU", "MAEU", "MSKU", "CMAU", "HLXU", "OOLU", "EGHU", "CSNU", "ONEU", "HDMU", "TGHU", "SEGU",
)  # fmt: skip
# IATA airline prefixes (first three digits of an air waybill).
AIRLINE_PREFIXES = ("180", "988", "160", "618", "020", "176", "784", "297")
_S10_WEIGHTS = np.array([8, 6, 4, 2, 3, 5, 9, 7])


def _owner_sums() -> np.ndarray:
    return np.array(
        [sum(_LETTER_VALUES[c] << i for i, c in enumerate(o)) for o in CONTAINER_OWNERS]
    )


_OWNER_SUMS = _owner_sums()


def padded(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded strings."""
    return pc.utf8_lpad(pc.cast(pa.array(values, pa.int64()), pa.string()), width, "0")


def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation of string arrays and constant strings."""
    return pc.binary_join_element_wise(*parts, sep)


def container_numbers(owner: np.ndarray, serial: np.ndarray) -> pa.Array:
    """ISO 6346 container numbers with valid check digits.

    Args:
        owner: Indices into ``CONTAINER_OWNERS``.
        serial: Serial numbers in [0, 1e6).
    """
    total = _OWNER_SUMS[owner].astype(np.int64)
    for k in range(6):
        total += (serial // 10 ** (5 - k) % 10) << (4 + k)
    check = total % 11 % 10
    owners = pa.array(CONTAINER_OWNERS).take(pa.array(owner))
    return join(owners, padded(serial, 6), padded(check, 1))


def air_waybills(airline: np.ndarray, serial: np.ndarray) -> pa.Array:
    """IATA air waybill numbers ``PPP-SSSSSSSC``, the check digit being the serial modulo 7."""
    prefixes = pa.array(AIRLINE_PREFIXES).take(pa.array(airline))
    return join(prefixes, "-", padded(serial, 7), padded(serial % 7, 1))


def s10_check_digits(serial: np.ndarray) -> np.ndarray:
    """UPU S10 check digits of 8-digit serials."""
    digits = np.stack([serial // 10 ** (7 - k) % 10 for k in range(8)], axis=1)
    c = 11 - (digits * _S10_WEIGHTS).sum(axis=1) % 11
    return np.where(c == 10, 0, np.where(c == 11, 5, c))


def postal_item_ids(serial: np.ndarray, country: pa.Array) -> pa.Array:
    """UPU S10 item identifiers ``EE12345678[C]CC`` (EMS service indicator)."""
    return join("EE", padded(serial, 8), padded(s10_check_digits(serial), 1), country)


def is_valid_s10(item_id: str) -> bool:
    """Whether a UPU S10 identifier has a correct check digit."""
    if len(item_id) != 13 or not item_id[2:11].isdigit():
        return False
    serial = np.array([int(item_id[2:10])])
    return int(s10_check_digits(serial)[0]) == int(item_id[10])
