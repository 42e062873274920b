"""Per-declaration strings: lodgement timestamps, transport documents and container lists."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from icrms.generator import geography as geo
from icrms.generator import identifiers as ids
from icrms.generator.headers import Headers, Run

CONTAINER_KG = 20_000.0  # gross kg per container when deciding how many are used
MAX_CONTAINERS = 6
ROAD_CONTAINER_SHARE = 0.3
_TIMES = pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)])
_SUFFIX = pa.array([geo.LOCAL_OFFSET, "Z"])


def local_dates(seconds: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` of epoch seconds already shifted to the wanted wall clock."""
    day = seconds // 86400
    low = int(day.min()) if day.size else 0
    table = np.arange(low, int(day.max()) + 1 if day.size else low).astype("datetime64[D]")
    return pa.array(np.datetime_as_string(table)).take(pa.array(day - low))


def iso_timestamps(utc: np.ndarray, utc_stamp: np.ndarray) -> pa.Array:
    """ISO 8601 strings with the local offset (``+09:00``) or ``Z`` where ``utc_stamp``."""
    wall = utc + np.where(utc_stamp, 0, geo.LOCAL_OFFSET_SECONDS)
    times = _TIMES.take(pa.array(wall % 86400))
    return ids.join(
        local_dates(wall), "T", times, _SUFFIX.take(pa.array(utc_stamp.astype(np.int8)))
    )


def transport_documents(run: Run, h: Headers, owner: np.ndarray) -> pa.Array:
    """Bill of lading, rail/road consignment note, air waybill or postal item id per mode."""
    bits = run.draws.bits("document", h.d)
    serial = (bits % np.uint64(10**9)).astype(np.int64)
    sea = ids.join(pa.array(ids.CONTAINER_OWNERS).take(pa.array(owner)), ids.padded(serial, 9))
    rail = ids.join("CIM-", ids.padded(serial % 10**8, 8))
    road = ids.join("CMR-", ids.padded(serial % 10**8, 8))
    airline = (bits >> np.uint64(40)).astype(np.int64) % len(ids.AIRLINE_PREFIXES)
    air = ids.air_waybills(airline, serial % 10**7)
    export = pa.array(geo.COUNTRY_CODES).take(pa.array(h.export))
    post = ids.postal_item_ids(serial % 10**8, export)
    by_mode = [sea, rail, road, air, post]
    out = by_mode[0]
    for m in range(1, len(by_mode)):
        out = pc.if_else(pa.array(h.mode == m), by_mode[m], out)
    return out


def container_lists(run: Run, h: Headers, gross: np.ndarray, owner: np.ndarray) -> pa.Array:
    """';'-joined ISO 6346 container numbers (null for air, postal and most road traffic)."""
    r = run.draws
    count = np.clip(np.ceil(gross / CONTAINER_KG), 1, MAX_CONTAINERS).astype(np.int64)
    boxed = (h.mode == geo.SEA) | (h.mode == geo.RAIL)
    boxed |= (h.mode == geo.ROAD) & r.chance("container.road", h.d, ROAD_CONTAINER_SHARE)
    count = np.where(boxed, count, 0)

    def slot(j: int) -> pa.Array:
        serial = r.bits("container", h.d * MAX_CONTAINERS + j) % np.uint64(10**6)
        return ids.container_numbers(owner, serial.astype(np.int64))

    # Appended slot by slot: pyarrow 26's binary_join_element_wise(null_handling="skip") drops
    # the rows whose inputs are all null.
    joined = slot(0)
    for j in range(1, MAX_CONTAINERS):
        joined = pc.if_else(pa.array(j < count), ids.join(joined, ";", slot(j)), joined)
    return pc.if_else(pa.array(count > 0), joined, pa.scalar(None, pa.string()))
