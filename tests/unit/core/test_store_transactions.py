"""SQLite store transactions: concurrent writers queue for the one write lock, nothing is lost."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from icrms.audit import service as audit
from icrms.audit.tables import AuditHeadRow
from icrms.core.db import Store


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
