"""The embedded job runner: one background thread in the server, no broker.

It runs one job at a time (DuckDB allows one writer), in its own store sessions, never a
request's. On start it recovers jobs a restart interrupted: an ingest is queued again (it
resumes where it stopped), anything else is marked failed with the reason. With PostgreSQL and
several workers each runs a runner; ``claim_next`` row-locks, so a job runs once.
"""

from __future__ import annotations

import logging
import threading
import traceback

from icrms.core.db import Store
from icrms.errors import IcrmsError
from icrms.jobs import service
from icrms.jobs.kinds import KINDS, JobCancelled, JobContext
from icrms.settings import Settings

log = logging.getLogger("icrms.jobs")
POLL = 0.5


class JobRunner:
    """Claims queued jobs and runs them, one at a time."""

    def __init__(self, store: Store, settings: Settings, *, metrics: object | None = None) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Recover interrupted jobs and start the thread."""
        with self.store.session() as s:
            for job in service.recover(s):
                log.warning("job %s (%s) after restart: %s", job.id, job.kind, job.status)
        self._thread = threading.Thread(target=self._loop, name="icrms-jobs", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        """Whether the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """Look for work now (after a submission)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop after the current job."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> bool:
        """Run the oldest queued job, if any; True when one ran."""
        with self.store.session() as s:
            job = service.claim_next(s)
        if job is None:
            return False
        ctx = JobContext(job.id, self.store, self.settings)
        status, result, error = "succeeded", None, None
        gauge = getattr(self.metrics, "jobs_running", None)
        if gauge is not None:
            gauge.inc()
        try:
            result = KINDS[job.kind](ctx, job.params)
        except JobCancelled:
            status = "cancelled"
        except IcrmsError as exc:
            status, error = "failed", exc.message
        except Exception as exc:  # a job's failure must be recorded, whatever it was
            log.error("job %s failed:\n%s", job.id, traceback.format_exc())
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            if gauge is not None:
                gauge.dec()
        with self.store.session() as s:
            service.finish(s, job_id=job.id, status=status, result=result, error=error)  # type: ignore[arg-type]
        counter = getattr(self.metrics, "jobs", None)
        if counter is not None:
            counter.labels(job.kind, status).inc()
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # keep the runner alive; the store may be briefly unavailable
                log.error("job runner error:\n%s", traceback.format_exc())
                ran = False
            if not ran:
                self._wake.wait(POLL)
                self._wake.clear()
