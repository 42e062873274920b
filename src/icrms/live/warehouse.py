"""Warehouse reads made while serving: open briefly, answer 503 while another process holds it.

The server never keeps the DuckDB file open: jobs open it while they run, pages and API reads
open it per request. So the command line can ingest or assess while the server serves; a read
that finds the file busy answers 503 with Retry-After, a job waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from icrms.errors import ServiceUnavailableError
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse, open_warehouse


@contextmanager
def reading(settings: Settings) -> Iterator[Warehouse]:
    """The warehouse for one read, or ServiceUnavailableError while another process writes."""
    from icrms.warehouse.duckdb import WarehouseBusyError

    try:
        opened = open_warehouse(settings)
    except WarehouseBusyError as exc:
        raise ServiceUnavailableError(
            "the warehouse is busy (another process is writing to it); try again shortly"
        ) from exc
    with opened as wh:
        yield wh
