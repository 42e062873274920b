"""Partner information for the threat analysis: the partners' seizures and alerts we accepted.

A seizure (or an alert naming goods and routes) that an analyst accepted into our intelligence
points at threat segments (HS heading x country of departure x mode of transport, as the threat
analysis names them). Each becomes a plain record the KPI layer attaches to those segments as
partner information; it never enters our own rates or their tests.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.exchange import stix
from icrms.exchange.tables import InboxItemRow
from icrms.warehouse.schema import FACT_PARTNER_INFORMATION

KINDS = {"x-icrms-seizure": "seizure", "x-icrms-alert": "alert"}


def partner_information(
    session: Session, *, since: date = date.min, until: date = date.max
) -> list[dict[str, Any]]:
    """Accepted partner seizures (seized in the period) and alerts (issued in it, or valid into
    it), one record per segment they name: ``hs4``, ``country_of_export``, ``transport_mode``
    (None: any mode), ``kind``, ``issuer``, ``on`` and ``until`` (ISO dates), ``reference``,
    ``inbox_item``."""
    rows = session.scalars(
        select(InboxItemRow)
        .where(InboxItemRow.object_type.in_(list(KINDS)), InboxItemRow.state == "accepted")
        .order_by(InboxItemRow.id)
    )
    out: list[dict[str, Any]] = []
    for row in rows:
        obj, kind = row.payload, KINDS[row.object_type]
        if kind == "seizure":
            day = until_day = date.fromisoformat(obj["seized_on"])
            if not since <= day <= until:
                continue
            hs_codes = [obj.get("hs_code")]
            routes = [
                {
                    "country_of_departure": obj.get("country_of_departure"),
                    "transport_mode": obj.get("transport_mode"),
                }
            ]
            reference = obj.get("case_reference") or obj["goods_description"]
        else:
            day = stix.parse_timestamp(obj["created"]).date()
            until_day = (
                stix.parse_timestamp(obj["valid_until"]).date() if obj.get("valid_until") else day
            )
            if day > until or until_day < since:
                continue
            hs_codes = [g.get("hs_code") for g in obj.get("goods", [])]
            routes = obj.get("routes", [])
            reference = obj["title"]
        for hs_code in hs_codes:
            for route in routes:
                if not hs_code or len(hs_code) < 4 or not route.get("country_of_departure"):
                    continue
                out.append(
                    {
                        "hs4": hs_code[:4],
                        "country_of_export": route["country_of_departure"],
                        "transport_mode": route.get("transport_mode"),
                        "kind": kind,
                        "issuer": row.issuer,
                        "on": day.isoformat(),
                        "until": until_day.isoformat(),
                        "reference": reference,
                        "inbox_item": row.id,
                    }
                )
    return out


def warehouse_rows(records: list[dict[str, Any]]) -> pa.Table:
    """The records as ``fact_partner_information`` rows (``*`` for any mode)."""
    return pa.Table.from_pylist(
        [
            {
                "inbox_item": r["inbox_item"],
                "hs4": r["hs4"],
                "country_of_export": r["country_of_export"],
                "transport_mode": r["transport_mode"] or "*",
                "kind": r["kind"],
                "issuer": r["issuer"],
                "reported_on": date.fromisoformat(r["on"]),
                "valid_until": date.fromisoformat(r["until"]),
                "reference": r["reference"],
            }
            for r in records
        ],
        FACT_PARTNER_INFORMATION,
    )
