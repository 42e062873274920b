"""The wire format's fixed parts: TLP 2.0 markings, icrms's STIX extensions, ids and timestamps.

TLP 2.0 is applied through the official extension definition
``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`` with the five marking-definition
objects published by OASIS (cti-stix-common-objects, extension-definition-specifications/tlp-2.0);
they are reproduced here byte for byte in content. icrms's own object types are STIX 2.1 extension
definitions whose JSON Schema is ``schema/icrms-exchange-1.json``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
Tlp = Literal["clear", "green", "amber", "amber+strict", "red"]
TLP_LEVELS: tuple[str, ...] = ("clear", "green", "amber", "amber+strict", "red")
TLP_IDS: dict[str, str] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_ID = {v: k for k, v in TLP_IDS.items()}
# received at these levels: never shared with another administration (TLP 2.0: AMBER is for the
# recipient organisation and its clients, AMBER+STRICT the organisation only, RED named people)
NOT_RESHAREABLE = frozenset({"amber", "amber+strict", "red"})


def tlp_marking(level: str) -> dict[str, Any]:
    """The official TLP 2.0 marking-definition object of a level."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_IDS[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level.upper()}",
        "extensions": {TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


def stricter(a: str, b: str) -> str:
    """The stricter of two TLP levels."""
    return max(a, b, key=TLP_LEVELS.index)


# icrms's extension definitions: name in the JSON Schema -> (extension id, STIX type it defines or extends)
ICRMS_IDENTITY = "identity--ef79260d-1b3c-4cb4-9222-ddc1dd37cde0"
_NAMESPACE = uuid.UUID("e9937ca7-408a-4fb4-a575-5f94f6346dde")
EXTENSIONS: dict[str, tuple[str, str]] = {
    "bundle-header": (
        "extension-definition--0f5f805b-0f71-4e07-9404-f522b9d50f13",
        "x-icrms-bundle-header",
    ),
    "risk-indicator": ("extension-definition--c132fd10-8aaa-4ac0-af34-71e7b14b8f97", "indicator"),
    "alert": ("extension-definition--5a47e11d-f148-4c9c-a8d1-f6695e0e7366", "x-icrms-alert"),
    "seizure": ("extension-definition--f6f14774-d9d3-4d47-9524-e4996d5d2755", "x-icrms-seizure"),
    "control-feedback": (
        "extension-definition--404e11e0-09ea-4978-a008-576f4bb1314f",
        "sighting",
    ),
    "pre-arrival": (
        "extension-definition--2ac19a03-56c1-4cdc-8210-1ada26150759",
        "x-icrms-pre-arrival",
    ),
    "aggregate-statistics": (
        "extension-definition--95640186-4872-44de-bd35-7b7cd8a0b4c0",
        "x-icrms-aggregate-statistics",
    ),
    "administration": (
        "extension-definition--8ebacd0e-84b1-4d4c-b1b4-dd213cfc4c01",
        "identity",
    ),
}
EXT = {name: ext_id for name, (ext_id, _) in EXTENSIONS.items()}
HEADER_TYPE = "x-icrms-bundle-header"
PATTERN_TYPE = "icrms-rule"
SCHEMA_VERSION = "1.0"
DEFINED = "2026-01-01T00:00:00.000Z"  # created/modified of icrms's extension definitions


@cache
def json_schema() -> dict[str, Any]:
    """The published JSON Schema of icrms's extensions."""
    text = resources.files("icrms.exchange").joinpath("schema/icrms-exchange-1.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def extension_definitions() -> list[dict[str, Any]]:
    """The STIX extension-definition objects of icrms's types."""
    defs = json_schema()["$defs"]
    return [
        {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": ext_id,
            "created": DEFINED,
            "modified": DEFINED,
            "created_by_ref": ICRMS_IDENTITY,
            "name": defs[name]["title"],
            "description": defs[name]["description"],
            "schema": (
                f"JSON Schema urn:icrms:exchange-format:1, $defs/{name}; served by every icrms "
                "instance at /api/v1/exchange/schema and described in docs/exchange-format.md"
            ),
            "version": SCHEMA_VERSION,
            "extension_types": [defs[name]["extension_type"]],
        }
        for name, (ext_id, _type) in EXTENSIONS.items()
    ]


def stable_id(stix_type: str, *parts: str) -> str:
    """A deterministic STIX id (UUIDv5) for an icrms object, e.g. an administration's identity."""
    return f"{stix_type}--{uuid.uuid5(_NAMESPACE, '|'.join(parts))}"


def new_id(stix_type: str) -> str:
    """A fresh random STIX id."""
    return f"{stix_type}--{uuid.uuid4()}"


def timestamp(value: datetime) -> str:
    """A STIX timestamp: UTC, millisecond precision, ``Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_timestamp(value: str) -> datetime:
    """A STIX timestamp as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def version_of(obj: dict[str, Any]) -> str:
    """An object's version: ``modified``, else ``created`` (markings have no modified)."""
    return str(obj.get("modified") or obj["created"])


def tlp_of(obj: dict[str, Any]) -> str | None:
    """The TLP level an object is marked with (None when it carries no TLP marking)."""
    levels = [TLP_BY_ID[m] for m in obj.get("object_marking_refs", []) if m in TLP_BY_ID]
    return levels[0] if len(levels) == 1 else None
