"""The exchange format's JSON Schema, published without credentials (docs/exchange-format.md).

The extension definitions in every bundle name this address; a partner's tools (MISP, OpenCTI,
another icrms) read the schema here to validate icrms's object types.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from icrms.exchange import stix

router = APIRouter(tags=["exchange"])


@router.get("/api/v1/exchange/schema", summary="JSON Schema of icrms's STIX extensions")
def schema() -> JSONResponse:
    """The JSON Schema of the exchange format (``urn:icrms:exchange-format:1``)."""
    return JSONResponse(stix.json_schema(), media_type="application/schema+json")
