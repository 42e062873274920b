"""The audit trail detects an edited, deleted or inserted entry, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from icrms.audit import service as audit
from icrms.cli import app as cli
from icrms.core.db import Store
from icrms.settings import Settings
from tests.api.conftest import Headers


def _fill(store: Store, n: int = 6) -> None:
    for i in range(n):
        with store.session() as s:
            audit.record(
                s,
                actor=f"analyst{i % 2}",
                action="profile.edit",
                object=f"profile:P{i}",
                detail={"fields": ["score"], "score": 10 + i, "ratio": 0.1 * i},
            )


def test_intact_chain_verifies(store: Store) -> None:
    _fill(store)
    with store.session() as s:
        report = audit.verify(s)
        entries = audit.list_entries(s)
    assert report.ok and report.entries == 6 and report.head_seq == 6
    assert [e.seq for e in entries] == [6, 5, 4, 3, 2, 1]
    assert entries[0].prev_hash == entries[1].hash


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 3", "entry 3: content"),
        ("DELETE FROM audit_entry WHERE seq = 3", "entry 4: expected sequence number 3"),
        ("DELETE FROM audit_entry WHERE seq = 6", "head names entry 6"),
        (
            "INSERT INTO audit_entry (seq, at, actor, action, object, detail, prev_hash, hash) "
            "SELECT 7, at, actor, action, object, detail, hash, hash FROM audit_entry WHERE seq = 6",
            "head names entry 6 but the chain ends at entry 7",
        ),
    ],
)
def test_tampering_is_detected(store: Store, tamper: str, expected: str) -> None:
    _fill(store)
    with store.session() as s:
        s.execute(text(tamper))
    with store.session() as s:
        report = audit.verify(s)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def test_an_entry_inserted_in_the_middle_is_detected(store: Store) -> None:
    _fill(store)
    with store.session() as s:
        # make room after entry 2 by renumbering, then insert a copy of entry 2 as entry 3
        for seq in range(6, 2, -1):
            s.execute(text(f"UPDATE audit_entry SET seq = {seq + 1} WHERE seq = {seq}"))
        s.execute(
            text(
                "INSERT INTO audit_entry (seq, at, actor, action, object, detail, prev_hash, hash) "
                "SELECT 3, at, actor, 'user.create', object, detail, prev_hash, hash "
                "FROM audit_entry WHERE seq = 2"
            )
        )
    with store.session() as s:
        report = audit.verify(s)
    assert not report.ok and any("entry 3" in p for p in report.problems)


def test_concurrent_appends_keep_one_chain(store: Store) -> None:
    def work(i: int) -> None:
        for j in range(5):
            with store.session() as s:
                audit.record(s, actor=f"t{i}", action="test.append", object=f"o{j}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.session() as s:
        report = audit.verify(s)
    assert report.ok and report.entries == 20, report.problems


def test_rolled_back_change_leaves_no_entry(store: Store) -> None:
    with pytest.raises(RuntimeError), store.session() as s:
        audit.record(s, actor="a", action="x.y", object="z")
        raise RuntimeError("the change failed")
    with store.session() as s:
        report = audit.verify(s)
    assert report.ok and report.entries == 0


def test_cli_verify_exits_1_on_a_broken_chain(
    store: Store, workspace: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ICRMS_DATABASE_URL", store.url)
    from icrms.settings import get_settings

    get_settings.cache_clear()
    _fill(store, 3)
    ok = CliRunner().invoke(cli, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    with store.session() as s:
        s.execute(text("UPDATE audit_entry SET object = 'profile:OTHER' WHERE seq = 2"))
    broken = CliRunner().invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "entry 2" in broken.output


def test_export_hands_out_verifiable_entries_and_is_audited(
    client: TestClient, admin: Headers, analyst: Headers, token_for: Callable[..., Headers]
) -> None:
    for role in ("system", "manager", "officer"):
        token_for(role)  # each issue is an audit entry
    first = client.post("/api/v1/audit/export", headers=admin, params={"limit": 3})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/x-ndjson")
    assert first.headers["Icrms-Next-After"] == "3"
    part = [json.loads(line) for line in first.text.splitlines()]
    assert [e["seq"] for e in part] == [1, 2, 3]
    for before, entry in itertools.pairwise(part):
        assert entry["prev_hash"] == before["hash"]
    for entry in part:
        fields = {k: entry[k] for k in ("seq", "actor", "action", "object", "detail", "prev_hash")}
        at = datetime.fromisoformat(entry["at"])
        assert audit.entry_hash(**fields, at=at) == entry["hash"]  # verifiable outside icrms
    rest = client.post("/api/v1/audit/export", headers=admin, params={"after": 3})
    lines = [json.loads(line) for line in rest.text.splitlines()]
    assert "Icrms-Next-After" not in rest.headers
    exported = [e for e in lines if e["action"] == "audit.export"]
    assert len(exported) == 1 and exported[0]["actor"] == "token:test-admin"
    assert exported[0]["detail"] == {
        "after": 0,
        "entries": 3,
        "last": 3,
        "last_hash": part[-1]["hash"],
    }
    assert client.post("/api/v1/audit/export", headers=analyst).status_code == 403
