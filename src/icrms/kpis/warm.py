"""Answers computed in the background after each change of the warehouse, so that the first
request after an ingest, an ETL run or a bulk assessment is answered from memory.

A thread reads the warehouse's state (size and modification time of its file, without opening
it: kpis/cache.py) every few seconds. When the state has changed and then held still for one
more look (the writer is done), it opens the warehouse once, as a request would, and runs
``prepare`` with a reader at that state: every answer ``prepare`` keeps is then found by a
request made at the same state. A file held by another process is tried again at the next
look. Only a DuckDB warehouse has such a state; with Spark nothing is kept, so nothing is warmed.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager

from icrms.errors import IcrmsError
from icrms.kpis.cache import State, WarehouseReader, warehouse_state
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse

log = logging.getLogger("icrms.kpis")
EVERY = 2.0  # seconds between two looks at the warehouse's state


class Warmer:
    """Runs ``prepare`` once per warehouse state, after the state has held still for a look.

    Args:
        settings: Which warehouse to watch.
        opener: Opens the warehouse for one read (as requests do).
        prepare: Computes (and keeps) the answers a first request would need.
        every: Seconds between two looks.
    """

    def __init__(
        self,
        settings: Settings,
        opener: Callable[[], AbstractContextManager[Warehouse]],
        prepare: Callable[[WarehouseReader], object],
        *,
        every: float = EVERY,
    ) -> None:
        self.settings = settings
        self.opener = opener
        self.prepare = prepare
        self.every = every
        self.warmed: State | None = None  # the state whose answers were last prepared
        self._seen: State | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> bool:
        """Look at the warehouse; prepare its answers if it changed and held still since the
        last look. True when a preparation ran (a failed one is logged, not retried)."""
        state = warehouse_state(self.settings)
        if state is None or state == self.warmed:
            return False
        if state != self._seen:  # changed since the last look: a writer may still be at work
            self._seen = state
            return False
        try:
            with WarehouseReader(self.opener, state) as reader:
                self.prepare(reader)
        except IcrmsError as exc:  # busy, or not readable yet: the next look tries again
            log.info("answers not prepared yet: %s", exc.message)
            self._seen = None
            return False
        except Exception:  # not again at this state; a request then computes what it needs
            log.error("preparing answers failed:\n%s", traceback.format_exc())
        self.warmed = state
        return True

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._loop, name="icrms-warm", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop after the current look."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.run_once()
