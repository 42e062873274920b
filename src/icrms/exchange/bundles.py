"""Build a signed bundle: header, issuer identity, markings, extension definitions, objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icrms.exchange import stix
from icrms.exchange.administration import Administration
from icrms.exchange.signing import sign


def _frame(admin: Administration, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    levels = {stix.tlp_of(o) for o in objects} | {"clear"}
    used = {ext for o in objects for ext in (o.get("extensions") or {})}
    used.add(stix.EXT["bundle-header"])
    used.add(stix.EXT["administration"])
    return [
        admin.stix_identity(),
        *(stix.tlp_marking(level) for level in stix.TLP_LEVELS if level in levels),
        *(d for d in stix.extension_definitions() if d["id"] in used),
    ]


def build_bundle(
    admin: Administration,
    objects: list[dict[str, Any]],
    *,
    recipients: list[str],
    issued: datetime,
    expires: datetime,
) -> dict[str, Any]:
    """A signed bundle of ``objects`` for ``recipients`` (partner codes)."""
    body: dict[str, dict[str, Any]] = {}
    for obj in [*_frame(admin, objects), *objects]:
        body.setdefault(obj["id"], obj)
    levels = [stix.tlp_of(o) or "clear" for o in objects] or ["clear"]
    strictest = max(levels, key=stix.TLP_LEVELS.index)
    bundle_id = stix.new_id("bundle")
    header = {
        "type": stix.HEADER_TYPE,
        "spec_version": "2.1",
        "id": stix.new_id(stix.HEADER_TYPE),
        "created": stix.timestamp(issued),
        "modified": stix.timestamp(issued),
        "created_by_ref": admin.stix_id,
        "object_marking_refs": [stix.TLP_IDS[strictest]],
        "issuer": admin.code,
        "issuer_ref": admin.stix_id,
        "key_fingerprint": admin.identity.fingerprint,
        "recipients": sorted(recipients),
        "issued": stix.timestamp(issued),
        "expires": stix.timestamp(expires),
        "bundle_id": bundle_id,
        "contents": list(body),
        "content_versions": [stix.version_of(o) for o in body.values()],
        "format_version": stix.SCHEMA_VERSION,
        "signature_algorithm": "ed25519-rfc8785",
        "extensions": {stix.EXT["bundle-header"]: {"extension_type": "new-sdo"}},
    }
    bundle = {"type": "bundle", "id": bundle_id, "objects": [header, *body.values()]}
    return sign(bundle, admin.identity)


def assemble(
    header: dict[str, Any], objects: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any] | None:
    """Rebuild a bundle from its header and objects fetched by (id, version); None if any is missing."""
    members = []
    for ref, version in zip(header["contents"], header["content_versions"], strict=False):
        obj = objects.get((ref, version))
        if obj is None:
            return None
        members.append(obj)
    return {"type": "bundle", "id": header["bundle_id"], "objects": [header, *members]}
