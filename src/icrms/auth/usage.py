"""When a token or a browser session was last used: noted at most once a minute, off the request.

A request never writes for its credentials: ``UsageNotes.seen`` decides in memory whether the
token's ``last_used_at`` (or the session's ``last_seen_at``) is due again and, if so, hands the
one-row update to a background thread. A failed update (the store busy, a lock timeout) is
logged and dropped: the request it came from has already been answered. On SQLite every write
takes the one database lock, so a write per request would make every request wait its turn.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from icrms.auth.tables import ApiTokenRow, SessionRow
from icrms.core.clock import now
from icrms.core.db import Store

EVERY = timedelta(minutes=1)
log = logging.getLogger(__name__)


class UsageNotes:
    """Per-process memory of the last noted use of each credential, and the thread that writes it."""

    def __init__(self, store: Store, *, every: timedelta = EVERY) -> None:
        self.store = store
        self.every = every.total_seconds()
        self._noted: dict[tuple[str, int | str], float] = {}
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icrms-usage")
        self.failures = 0

    def _due(self, key: tuple[str, int | str]) -> bool:
        moment = time.monotonic()
        with self._lock:
            last = self._noted.get(key)
            if last is not None and moment - last < self.every:
                return False
            self._noted[key] = moment  # also after a failure: retry next minute, not per request
            return True

    def token_used(self, token_id: int) -> None:
        """Note that an API token was used (``last_used_at``), if a minute has passed."""
        if self._due(("token", token_id)):
            stamp = now()
            statement = (
                update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=stamp)
            )
            self._hand_over(statement, f"token {token_id}")

    def session_seen(self, digest: str) -> None:
        """Note that a browser session was seen (``last_seen_at``, its idle timer)."""
        if self._due(("session", digest)):
            stamp = now()
            statement = (
                update(SessionRow).where(SessionRow.digest == digest).values(last_seen_at=stamp)
            )
            self._hand_over(statement, "a browser session")

    def _hand_over(self, statement: object, what: str) -> None:
        try:
            self._writer.submit(self._write, statement, what)
        except RuntimeError:  # the app is shutting down: this one is not noted
            log.info("not noting the last use of %s: shutting down", what)

    def _write(self, statement: object, what: str) -> None:
        try:
            with self.store.session() as session:
                session.execute(statement)  # type: ignore[call-overload]
        except SQLAlchemyError as exc:
            self.failures += 1
            log.warning("could not note the last use of %s: %s", what, exc)

    def flush(self) -> None:
        """Wait for the notes handed over so far (tests, shutdown)."""
        self._writer.submit(lambda: None).result()

    def close(self) -> None:
        """Write what is pending and stop the writer thread."""
        self._writer.shutdown(wait=True)
