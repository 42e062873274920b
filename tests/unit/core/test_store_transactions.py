"""SQLite store transactions: concurrent writers queue for the one write lock, nothing is lost."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from icrms.audit import service as audit
from icrms.audit.tables import AuditHeadRow
from icrms.core.db import Store, hold_write_lock


def test_concurrent_read_then_write_sessions_all_commit(tmp_path: Path) -> None:
    """Each session reads, then appends to the audit chain: no "database is locked", no gap."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                with store.session() as s:
                    s.execute(select(AuditHeadRow.seq)).scalar()  # a read first
                    audit.record(s, actor=f"w{n}", action="test.write", object=str(i))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with store.session() as s:
        report = audit.verify(s)
    assert report.ok and report.entries == 8 * 15, report.problems
    store.dispose()


def test_a_savepoint_that_reads_first_waits_for_another_writer_instead_of_failing(
    tmp_path: Path,
) -> None:
    """A savepoint opens a deferred transaction: its read fixes a snapshot, and a commit by
    another connection before its first write made SQLite refuse that write at once
    ("database is locked", seen as a 503 on control-result imports). Holding the write lock
    first makes the other writer wait instead."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    other_done = threading.Event()
    other_failed: list[BaseException] = []

    def other_writer() -> None:
        try:
            with store.session() as s:
                audit.record(s, actor="other", action="test.write", object="x")
        except BaseException as exc:
            other_failed.append(exc)
        other_done.set()

    with store.session() as s:
        hold_write_lock(s)
        with s.begin_nested():
            s.execute(select(AuditHeadRow.seq)).scalar()  # the read that fixes the snapshot
            writer = threading.Thread(target=other_writer)
            writer.start()
            assert not other_done.wait(0.5)  # it waits for our lock
            audit.record(s, actor="importer", action="test.write", object="y")
    writer.join(10)
    assert other_failed == []
    with store.session() as s:
        report = audit.verify(s)
    assert report.ok and report.entries == 2, report.problems
    store.dispose()
