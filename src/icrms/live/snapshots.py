"""Keep one compiled selectivity snapshot warm and rebuild it only when its inputs change.

A cheap fingerprint (newest profile version row, policy version, watchlist entries and
removals, watchlists, the promoted model and today's date) is read per request; the snapshot is
compiled again only when it differs, or after ``MAX_AGE`` (watchlist entries expire by time).
The snapshot is built in its own committed transaction, so the profile-set version it cites
exists even if the request that triggered the build fails.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from icrms.core.clock import now
from icrms.core.db import Store
from icrms.exchange.prearrival import MirrorFacts
from icrms.models.live import ModelScorer
from icrms.models.registry import Registry
from icrms.models.service import registry
from icrms.profiles.tables import ProfileVersionRow, WatchlistEntryRow, WatchlistRow
from icrms.selectivity.engine import Snapshot
from icrms.selectivity.service import build_snapshot
from icrms.selectivity.tables import PolicyRow
from icrms.settings import Settings

MAX_AGE = 60.0  # seconds
log = logging.getLogger(__name__)


def fingerprint(session: Session) -> tuple[Any, ...]:
    """What the snapshot depends on in the store, read in one round trip."""
    row = session.execute(
        select(
            select(func.max(ProfileVersionRow.id)).scalar_subquery(),
            select(func.max(PolicyRow.version)).scalar_subquery(),
            select(func.max(WatchlistEntryRow.id)).scalar_subquery(),
            select(func.count())
            .select_from(WatchlistEntryRow)
            .where(WatchlistEntryRow.removed_at.is_not(None))
            .scalar_subquery(),
            select(func.count()).select_from(WatchlistRow).scalar_subquery(),
        )
    ).one()
    return tuple(row)


class LiveSnapshots:
    """The snapshot the live engine decides with, rebuilt when profiles, lists, policy or model change."""

    def __init__(
        self, store: Store, settings: Settings, *, on_build: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self.on_build = on_build
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._built_at = 0.0
        self._snapshot: Snapshot | None = None
        self._scorer: ModelScorer | None = None
        self.builds = 0
        self._registry: Registry | None = None
        self._model_stamp: tuple[int, int] | None = None
        self._model_version: str | None = None
        self.refresher: threading.Thread | None = None  # the last background refresh

    def model_version(self) -> str | None:
        """The promoted model's version; the signed registry is read again only when it changed."""
        if self._registry is None:
            self._registry = registry(self.settings)
        try:
            stat = os.stat(self._registry.index)
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._model_stamp:
            self._model_version = self._registry.promoted() if stamp else None
            self._model_stamp = stamp
        return self._model_version

    def current(self, session: Session) -> Snapshot:
        """The snapshot in force now (compiled again only if something changed).

        When nothing changed but the snapshot is older than ``MAX_AGE``, the request goes on
        with it and one background thread compiles the next: no request waits for a
        refresh that only catches watchlist entries expiring by time.
        """
        key = (*fingerprint(session), self.model_version(), now().date())
        snapshot = self._snapshot
        if snapshot is not None and key == self._key:
            if time.monotonic() - self._built_at >= MAX_AGE:
                self._refresh_in_background(key)
            return snapshot
        # nothing is written yet: end the read so the request holds no connection while waiting
        session.commit()
        with self._lock:
            if self._snapshot is not None and key == self._key:
                return self._snapshot
            return self._build(key)

    def _refresh_in_background(self, key: tuple[Any, ...]) -> None:
        if not self._lock.acquire(blocking=False):
            return  # a build is under way

        def refresh() -> None:
            try:
                if self._key == key and time.monotonic() - self._built_at >= MAX_AGE:
                    self._build(key)
            except Exception:  # the next request tries again; this one has its answer
                log.exception("refreshing the live snapshot failed")
            finally:
                self._lock.release()

        self.refresher = threading.Thread(target=refresh, name="icrms-snapshot", daemon=True)
        self.refresher.start()

    def _build(self, key: tuple[Any, ...]) -> Snapshot:
        """Compile the snapshot for ``key`` (the caller holds the lock)."""
        version = key[-2]
        if version is None:
            self._scorer = None
        elif self._scorer is None or self._scorer.version != version:
            self._scorer = ModelScorer(registry(self.settings).load(version))  # verified
        with self.store.session() as own:
            built = build_snapshot(
                own,
                secret=self.settings.selectivity_secret(),
                scorer=self._scorer,
                facts=MirrorFacts(),
            )
            # building may itself add the default policy or a profile-set version
            key = (*fingerprint(own), *key[-2:])
        self._snapshot, self._key, self._built_at = built, key, time.monotonic()
        self.builds += 1
        if self.on_build is not None:
            self.on_build()
        return built

    def scorer_for(self, version: str | None) -> ModelScorer | None:
        """A scorer of a given model version (for replay), reusing the live one when it matches."""
        if version is None:
            return None
        if self._scorer is not None and self._scorer.version == version:
            return self._scorer
        return ModelScorer(registry(self.settings).load(version))
