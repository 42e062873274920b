"""Reference code lists: countries, currencies, transport modes, HS codes, container numbers."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

# ISO 3166-1 user-assigned code that sources (e.g. the KCS data) use for "unknown": a valid unknown.
UNKNOWN_COUNTRY = "ZZ"
# ISO 4217 code for "no currency involved" is XXX; accepted like any listed currency.

# UN/ECE Recommendation 19, mode of transport codes.
TRANSPORT_MODES: dict[str, str] = {
    "0": "not known",
    "1": "maritime",
    "2": "rail",
    "3": "road",
    "4": "air",
    "5": "mail",
    "6": "multimodal",
    "7": "fixed installation",
    "8": "inland water",
    "9": "not applicable",
}

HS_PATTERN = re.compile(r"^[0-9]{6,10}$")
HS_REGEX = "^[0-9]{6,10}$"  # the same rule for SQL engines
CONTAINER_PATTERN = re.compile(r"^[A-Z]{3}[UJZR][0-9]{7}$")


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, plus the user-assigned unknown ``ZZ``."""
    return frozenset({c.alpha_2 for c in pycountry.countries} | {UNKNOWN_COUNTRY})


@lru_cache(maxsize=1)
def currencies() -> frozenset[str]:
    """ISO 4217 alphabetic currency codes."""
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def country_name(code: str) -> str:
    """English short name of a country code, 'Unknown' for ZZ."""
    if code == UNKNOWN_COUNTRY:
        return "Unknown"
    found = pycountry.countries.get(alpha_2=code)
    return found.name if found else code


def hs_problem(code: str) -> str | None:
    """Why an HS code is invalid, or None when it is valid."""
    if not HS_PATTERN.match(code):
        return "HS code must be 6 to 10 digits"
    if not 1 <= int(code[:2]) <= 97:
        return "HS chapter must be 01 to 97"
    return None


def iso6346_check_digit(owner_serial: str) -> int:
    """Check digit of the first ten characters of an ISO 6346 container number."""
    values: dict[str, int] = {}
    n = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if n % 11 == 0:
            n += 1
        values[letter] = n
        n += 1
    total = sum(
        (values[ch] if ch.isalpha() else int(ch)) * (2**i) for i, ch in enumerate(owner_serial)
    )
    return total % 11 % 10


def container_problem(number: str) -> str | None:
    """Why a container number breaks ISO 6346, or None when it is valid."""
    if not CONTAINER_PATTERN.match(number):
        return "container number must be 3 letters, U/J/Z/R and 7 digits (ISO 6346)"
    if iso6346_check_digit(number[:10]) != int(number[10]):
        return "ISO 6346 check digit does not match"
    return None
