"""Source formats mapped onto the native flat declaration format."""

from __future__ import annotations

from icrms.declarations.parsers.base import Adapter
from icrms.declarations.parsers.date import DATE
from icrms.declarations.parsers.kcs import KCS
from icrms.declarations.parsers.native import NATIVE

ADAPTERS: dict[str, Adapter] = {a.name: a for a in (NATIVE, KCS, DATE)}

__all__ = ["ADAPTERS", "Adapter"]
