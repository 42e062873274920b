"""Sign and verify bundles: Ed25519 over the RFC 8785 canonical JSON of the bundle.

The signed bytes are the canonical JSON of ``{"type": "bundle", "id": ..., "objects": [header
without its signature, then the header's contents in order]}``. Canonical JSON makes the
signature independent of how the bundle was serialised on the way (key order, spacing, number
formatting), so a bundle rebuilt from a TAXII collection verifies as the file does.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import rfc8785

from icrms.core.identity import Identity, verify
from icrms.errors import ValidationError
from icrms.exchange import stix


def header_of(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle's header object (the first object, of type x-icrms-bundle-header)."""
    objects = bundle.get("objects") or []
    headers = [o for o in objects if isinstance(o, dict) and o.get("type") == stix.HEADER_TYPE]
    if len(headers) != 1 or objects[0] is not headers[0]:
        raise ValidationError(
            "bundle.objects", len(headers), "an icrms bundle starts with exactly one bundle header"
        )
    return headers[0]


def signed_bytes(bundle: dict[str, Any]) -> bytes:
    """The canonical bytes the header's signature covers."""
    header = header_of(bundle)
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    return rfc8785.dumps(
        {
            "type": bundle.get("type"),
            "id": bundle["id"],
            "objects": [unsigned, *bundle["objects"][1:]],
        }
    )


def sign(bundle: dict[str, Any], identity: Identity) -> dict[str, Any]:
    """The bundle with its header's signature set."""
    header = header_of(bundle)
    header.pop("signature", None)
    signature = identity.sign(signed_bytes(bundle))
    header["signature"] = base64.b64encode(signature).decode("ascii")
    return bundle


def verify_bundle(bundle: dict[str, Any], public_key: bytes) -> bool:
    """Whether the header's signature is valid for the bundle under ``public_key``."""
    try:
        signature = base64.b64decode(header_of(bundle).get("signature", ""), validate=True)
        data = signed_bytes(bundle)
    except (binascii.Error, ValueError, ValidationError, TypeError):
        return False
    return verify(public_key, data, signature)
