"""Wall time to sync N objects from one administration to another over TAXII on loopback.

XA (``icrms serve`` in its own process, SQLite store) holds N indicators for XB in signed
bundles of ``per_bundle``; XB's sync client (this process, its own SQLite store) pulls them
from an empty cursor: every page over HTTP, every bundle rebuilt, verified, checked and stored.
A second pull from the moved cursor measures a sync with nothing new.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.exchange_support import (
    PHONES,
    free_port,
    instance,
    register,
    serve_env,
    start_server,
    stop_server,
)

from icrms.exchange import objects as objs
from icrms.exchange import outbox, partners, sync, transport
from icrms.profiles.schemas import ProfileRead


def sync_objects(folder: Path, objects: int, per_bundle: int = 100) -> dict[str, Any]:
    """Share ``objects`` indicators from XA to XB, then time XB's pull over HTTP."""
    a = instance(folder / "a", "XA", "KR")
    b = instance(folder / "b", "XB", "VN")
    register(a, b)
    register(b, a)
    port = free_port()
    root = f"http://127.0.0.1:{port}/taxii2/exchange/"
    with b.store.session() as s:
        partners.update_partner(s, code="XA", api_root=root)
    at = datetime.now(UTC)
    profile = ProfileRead(**PHONES.model_dump(), version=1, status="active", created_at=at)
    started = time.perf_counter()
    with a.store.session() as s:
        token = transport.issue_token(s, code="XB", days=1, actor="bench").token
        for first in range(0, objects, per_bundle):
            batch = [
                objs.indicator(
                    a.code,
                    a.admin.stix_id,
                    profile.model_copy(update={"code": f"P-{n}"}),
                    "amber",
                    at,
                )
                for n in range(first, min(first + per_bundle, objects))
            ]
            outbox.share_objects(
                s, admin=a.admin, objects=batch, recipients=["XB"], days=2, actor="bench"
            )
    shared = time.perf_counter() - started
    process = start_server(serve_env(a.settings.home, "XA"), port, folder / "xa.log")
    try:
        client = sync.TaxiiClient(root, token)
        started = time.perf_counter()
        pulled = sync.pull(b.store, admin=b.admin, partner="XA", client=client)
        first_pull = time.perf_counter() - started
        started = time.perf_counter()
        again = sync.pull(b.store, admin=b.admin, partner="XA", client=client)
        second_pull = time.perf_counter() - started
    finally:
        stop_server(process)
        a.store.dispose()
        b.store.dispose()
    assert pulled.accepted == -(-objects // per_bundle) and pulled.refused == 0, pulled
    return {
        "objects": objects,
        "per_bundle": per_bundle,
        "bundles": pulled.bundles,
        "objects_on_the_wire": pulled.objects,
        "pages": pulled.pages,
        "share_s": round(shared, 2),
        "sync_s": round(first_pull, 2),
        "objects_per_s": round(objects / first_pull),
        "resync_nothing_new_s": round(second_pull, 2),
        "resync_pages": again.pages,
        "resync_skipped_bundles": again.skipped,
    }
