"""Pull partners' outbox collections over TAXII 2.1, and push urgent bundles to their inboxes.

Pull: from the cursor (the last ``X-TAXII-Date-Added-Last`` seen, less an overlap for objects
committed late), every page until ``more`` is false; then each bundle header found is rebuilt
with its listed objects (fetched by id and version when an earlier sync brought them) and
received like a file, in its own transaction: accepted whole or refused with its reason. A bundle
accepted before is skipped, so a repeated sync imports nothing twice. Network errors, 429 and 5xx
answers are retried with exponential backoff; the cursor moves only after a complete pull.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from icrms.core.clock import now
from icrms.core.db import Store
from icrms.errors import ConfigurationError, IcrmsError, NotFoundError
from icrms.exchange import stix
from icrms.exchange.administration import Administration
from icrms.exchange.bundles import assemble
from icrms.exchange.outbox import sent_bundle
from icrms.exchange.partners import get_partner
from icrms.exchange.receive import already_accepted, receive
from icrms.exchange.schemas import Received
from icrms.exchange.tables import SentBundleRow, SyncStateRow
from icrms.exchange.taxii import STIX_MEDIA, TAXII_MEDIA, added_stamp

PAGE = 500
OVERLAP = timedelta(seconds=60)
RETRIES = 5


class SyncError(IcrmsError):
    """A partner could not be reached or answered wrongly (after retries)."""

    status_code = 502


@dataclass
class SyncResult:
    """What one pull from one partner did."""

    partner: str
    pages: int = 0
    objects: int = 0
    bundles: int = 0
    accepted: int = 0
    refused: int = 0
    skipped: int = 0
    cursor: str | None = None
    results: list[Received] = field(default_factory=list)


class TaxiiClient:
    """A small TAXII 2.1 client with retries and backoff (``client`` injectable for tests)."""

    def __init__(
        self,
        api_root: str,
        token: str,
        *,
        client: httpx.Client | None = None,
        retries: int = RETRIES,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_root = api_root.rstrip("/") + "/"
        self.client = client or httpx.Client(timeout=30.0)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": TAXII_MEDIA}
        self.retries, self.backoff, self.sleep = retries, backoff, sleep

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = self.api_root + path
        for attempt in range(self.retries + 1):
            try:
                response = self.client.request(
                    method, url, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
                )
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise SyncError(f"{url}: {exc}") from exc
            else:
                if response.status_code < 500 and response.status_code != 429:
                    if response.status_code >= 400:
                        raise SyncError(
                            f"{method} {url}: {response.status_code} {response.text[:300]}"
                        )
                    return response
                if attempt == self.retries:
                    raise SyncError(
                        f"{method} {url}: {response.status_code} after {self.retries} retries"
                    )
            self.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def collections(self) -> list[dict[str, Any]]:
        """The collections this partner shows us."""
        return list(self._send("GET", "collections/").json().get("collections", []))

    def objects(self, collection_id: str, params: dict[str, str]) -> httpx.Response:
        """One page of objects."""
        return self._send("GET", f"collections/{collection_id}/objects/", params=params)

    def push(self, collection_id: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """Add objects (one bundle) to a collection; returns the status resource."""
        body = json.dumps({"objects": objects}).encode()
        response = self._send(
            "POST",
            f"collections/{collection_id}/objects/",
            content=body,
            headers={"Content-Type": TAXII_MEDIA},
        )
        return dict(response.json())


def pull(store: Store, *, admin: Administration, partner: str, client: TaxiiClient) -> SyncResult:
    """Pull one partner's outbox collection from the cursor on and receive its bundles."""
    result = SyncResult(partner)
    with store.session() as s:
        state = s.get(SyncStateRow, partner) or SyncStateRow(partner_code=partner, failures=0)
        s.add(state)
        state.last_attempt_at = now()
        cursor, collection_id = state.added_after, state.collection_id
    try:
        if collection_id is None:
            readable = [c for c in client.collections() if c.get("can_read")]
            if not readable:
                raise SyncError(f"partner {partner} offers no collection we may read")
            collection_id = str(readable[0]["id"])
        objects, last = _pull_pages(client, collection_id, cursor, result)
        _receive_all(store, admin, partner, client, collection_id, objects, result)
    except (SyncError, httpx.HTTPError) as exc:
        with store.session() as s:
            failed = s.get(SyncStateRow, partner)
            if failed is not None:
                failed.failures += 1
                failed.last_error = str(exc)[:2000]
        raise
    with store.session() as s:
        done = s.get(SyncStateRow, partner)
        assert done is not None
        done.collection_id = collection_id
        if last is not None:
            done.added_after = added_stamp(stix.parse_timestamp(last) - OVERLAP)
        done.last_success_at, done.last_error, done.failures = now(), None, 0
        result.cursor = done.added_after
    return result


def _pull_pages(
    client: TaxiiClient, collection_id: str, cursor: str | None, result: SyncResult
) -> tuple[dict[tuple[str, str], dict[str, Any]], str | None]:
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    params: dict[str, str] = {"limit": str(PAGE)}
    if cursor:
        params["added_after"] = cursor
    last = None
    while True:
        response = client.objects(collection_id, params)
        body = response.json()
        result.pages += 1
        for obj in body.get("objects", []):
            objects[(obj["id"], stix.version_of(obj))] = obj
        last = response.headers.get("X-TAXII-Date-Added-Last") or last
        if not body.get("more") or not body.get("next"):
            break
        params = {"limit": str(PAGE), "next": str(body["next"])}
        if cursor:
            params["added_after"] = cursor
    result.objects = len(objects)
    return objects, last


def _receive_all(
    store: Store,
    admin: Administration,
    partner: str,
    client: TaxiiClient,
    collection_id: str,
    objects: dict[tuple[str, str], dict[str, Any]],
    result: SyncResult,
) -> None:
    headers = sorted(
        (o for o in objects.values() if o.get("type") == stix.HEADER_TYPE),
        key=lambda h: (h["issued"], h["id"]),
    )
    for header in headers:
        result.bundles += 1
        with store.session() as s:
            if already_accepted(s, bundle_id=header["bundle_id"]):
                result.skipped += 1
                continue
        bundle = assemble(header, objects)
        if bundle is None:
            _fetch_missing(client, collection_id, header, objects)
            bundle = assemble(header, objects)
        raw = json.dumps(
            bundle
            if bundle is not None
            else {"type": "bundle", "id": header["bundle_id"], "objects": [header]}
        )
        with store.session() as s:
            received = receive(s, admin=admin, raw=raw.encode(), via="pull", sender=partner)
        result.results.append(received)
        if received.status == "accepted":
            result.accepted += 1
        else:
            result.refused += 1


def _fetch_missing(
    client: TaxiiClient,
    collection_id: str,
    header: dict[str, Any],
    objects: dict[tuple[str, str], dict[str, Any]],
) -> None:
    for ref, version in zip(
        header.get("contents", []), header.get("content_versions", []), strict=False
    ):
        if (ref, version) in objects:
            continue
        response = client.objects(collection_id, {"match[id]": ref, "match[version]": version})
        for obj in response.json().get("objects", []):
            objects[(obj["id"], stix.version_of(obj))] = obj


def push(
    store: Store, *, bundle_id: str, client_for: Callable[[str], TaxiiClient]
) -> dict[str, dict[str, Any]]:
    """Push a sent bundle to the inbox collection of each recipient with a TAXII API root.

    Returns each status resource; recipients reached by files only are left out.
    """
    with store.session() as s:
        row = sent_bundle(s, bundle_id=bundle_id)
        bundle = json.loads(row.payload)
        recipients = [c for c in row.recipients if get_partner(s, code=c).api_root]
    statuses: dict[str, dict[str, Any]] = {}
    for code in recipients:
        client = client_for(code)
        writable = [c for c in client.collections() if c.get("can_write")]
        if not writable:
            raise SyncError(f"partner {code} offers no collection we may write")
        statuses[code] = client.push(str(writable[0]["id"]), bundle["objects"])
    with store.session() as s:
        stored = s.get(SentBundleRow, bundle_id)
        if stored is not None:
            stored.pushed_at = now()
    return statuses


def pending_urgent(store: Store) -> list[str]:
    """Urgent bundles not yet pushed, oldest first."""
    from sqlalchemy import select

    with store.session() as s:
        return list(
            s.scalars(
                select(SentBundleRow.bundle_id)
                .where(SentBundleRow.urgent.is_(True), SentBundleRow.pushed_at.is_(None))
                .order_by(SentBundleRow.issued)
            )
        )


def client_for(store: Store, keys_dir: Any, code: str, **kwargs: Any) -> TaxiiClient:
    """A TAXII client for partner ``code``: its API root and the token it issued us."""
    from icrms.exchange.partners import partner_token

    with store.session() as s:
        partner = get_partner(s, code=code)
    if not partner.api_root:
        raise ConfigurationError(
            f"partner {code} has no API root: icrms exchange partners set {code} --api-root URL"
        )
    try:
        token = partner_token(keys_dir, code)
    except NotFoundError as exc:
        raise ConfigurationError(str(exc)) from exc
    return TaxiiClient(partner.api_root, token, **kwargs)


__all__ = [
    "STIX_MEDIA",
    "SyncError",
    "SyncResult",
    "TaxiiClient",
    "client_for",
    "pending_urgent",
    "pull",
    "push",
]
