"""Partner seizures and alerts we accepted raise their segments in the threat analysis."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from icrms.core.db import Store
from icrms.exchange import objects as objs
from icrms.exchange.intelligence import partner_information
from icrms.exchange.tables import InboxItemRow
from icrms.kpis.threats import Threat, with_partner_information

AT = datetime(2025, 12, 20, tzinfo=UTC)


def threat(hs4: str, country: str, mode: str, measure: str, significant: bool) -> Threat:
    t = Threat(hs4, country, mode, 10, 5, 100, 5, 0.5, 0.05, 0.001, measure)
    t.significant, t.q_value = significant, 0.01 if significant else 0.5
    return t


def record(hs4: str, country: str, mode: str | None, **other: Any) -> dict[str, Any]:
    return {"hs4": hs4, "country_of_export": country, "transport_mode": mode, "kind": "seizure",
            "issuer": "XB", "on": "2025-12-01", "reference": "case 1", "inbox_item": 1, **other}  # fmt: skip


def test_partner_information_raises_its_segments_after_the_reported_ones() -> None:
    found = [
        threat("0901", "BR", "1", "seizure", True),
        threat("8517", "CN", "1", "finding", False),
        threat("6403", "VN", "1", "finding", False),
        threat("6403", "VN", "1", "seizure", False),
        threat("6403", "VN", "4", "finding", False),
    ]
    got = with_partner_information(
        found, [record("6403", "VN", "1"), record("2402", "PY", None), record("6403", "VN", "1")]
    )
    assert [(t.segment, t.measure, len(t.partner)) for t in got] == [
        ("0901-BR-1", "seizure", 0),
        ("6403-VN-1", "finding", 2),
        ("6403-VN-1", "seizure", 2),
        ("2402-PY-*", "partner", 1),
        ("8517-CN-1", "finding", 0),
        ("6403-VN-4", "finding", 0),
    ]
    raised = got[1]
    assert raised.raised_by_partner and not raised.significant
    assert (raised.recent_hits, raised.history_hits, raised.p_value) == (5, 5, 0.001)  # ours only
    only = got[3]
    assert not only.testable and only.recent_controls == only.history_controls == 0
    assert only.criteria == "hs4 = '2402' AND country_of_export = 'PY'"  # any mode
    assert only.as_dict()["raised_by_partner"] is True
    assert all(not t.partner for t in found)  # the threats given (maybe kept) are unchanged


def test_a_record_without_a_mode_names_every_mode_of_its_route() -> None:
    found = [
        threat("6403", "VN", "1", "finding", False),
        threat("6403", "VN", "4", "finding", False),
    ]
    got = with_partner_information(found, [record("6403", "VN", None)])
    assert [len(t.partner) for t in got] == [1, 1]


def _item(s: Any, n: int, obj: dict[str, Any], state: str) -> None:
    s.add(
        InboxItemRow(
            issuer="XB",
            bundle_id=f"b{n}",
            object_id=obj["id"],
            object_version=obj.get("modified", obj["created"]),
            object_type=obj["type"],
            tlp="amber",
            title="t",
            payload=obj,
            received_at=AT,
            state=state,
        )
    )


def seizure(on: str, hs_code: str | None = "0901110000", **other: Any) -> dict[str, Any]:
    case = {"seized_on": on, "country": "XB", "goods_description": "cocaine in green coffee",
            "hs_code": hs_code, "offence_types": ["drugs"], "transport_mode": "1",
            "country_of_departure": "BR", "case_reference": f"XB/{on}", **other}  # fmt: skip
    return objs.seizure("identity--x", case, "amber", AT)


def test_accepted_partner_seizures_and_alerts_of_the_period_become_records(store: Store) -> None:
    alert = {
        "type": "x-icrms-alert", "id": "x-icrms-alert--1", "created": "2025-10-01T00:00:00.000Z",
        "title": "Cocaine in cut flowers", "valid_until": "2026-03-01T00:00:00.000Z",
        "goods": [{"hs_code": "060311", "description": "roses"}, {"description": "no code"}],
        "routes": [{"country_of_departure": "CO", "transport_mode": "4"},
                   {"country_of_departure": "EC"}, {"country_of_destination": "KR"}],
    }  # fmt: skip
    with store.session() as s:
        _item(s, 1, seizure("2025-12-01"), "accepted")
        _item(s, 2, seizure("2025-06-01"), "accepted")  # before the period
        _item(s, 3, seizure("2025-12-02"), "new")  # not accepted (yet)
        _item(s, 4, seizure("2025-12-03"), "dismissed")
        _item(s, 5, seizure("2025-12-04", hs_code=None), "accepted")  # no goods code
        _item(s, 6, alert, "accepted")
    with store.session() as s:
        found = partner_information(s, since=date(2025, 11, 1), until=date(2025, 12, 31))
    assert [(r["kind"], r["hs4"], r["country_of_export"], r["transport_mode"], r["on"], r["reference"])
            for r in found] == [
        ("seizure", "0901", "BR", "1", "2025-12-01", "XB/2025-12-01"),
        ("alert", "0603", "CO", "4", "2025-10-01", "Cocaine in cut flowers"),
        ("alert", "0603", "EC", None, "2025-10-01", "Cocaine in cut flowers"),
    ]  # fmt: skip
    assert {r["issuer"] for r in found} == {"XB"}
    with store.session() as s:
        assert partner_information(s, since=date(2026, 3, 2), until=date(2026, 4, 1)) == []
