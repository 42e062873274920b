"""TAXII 2.1 at ``/taxii2/``: discovery, one API root (``exchange``), collections, objects, status.

A sub-application mounted by ``create_app``, so that its errors are TAXII error resources in the
TAXII media type rather than problem+json. Every route needs a partner token (or an admin's);
what a caller sees is decided in ``icrms.exchange.transport``. Partner tokens reach nothing else:
``get_principal`` refuses them outside this prefix.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from icrms.api.deps import EXCHANGE_PREFIX, CurrentUser, SessionDep, SettingsDep, require
from icrms.auth.schemas import Role
from icrms.errors import IcrmsError, ValidationError
from icrms.exchange import stix, taxii, transport
from icrms.exchange.administration import local_administration

PREFIX = EXCHANGE_PREFIX.rstrip("/")
ROOT = "exchange"
log = logging.getLogger("icrms.api.taxii")
router = APIRouter(dependencies=[require(Role.partner)])

IdPart = Annotated[str, Path(min_length=1, max_length=100)]


class TaxiiResponse(JSONResponse):
    """JSON in the TAXII media type."""

    media_type = taxii.TAXII_MEDIA


def accepts_taxii(request: Request) -> None:
    """406 unless the Accept header allows the TAXII 2.1 media type."""
    accept = request.headers.get("accept", "*/*").replace(" ", "").lower()
    for part in accept.split(","):
        kind, _, params = part.partition(";")
        if kind in ("*/*", "application/*") or (
            kind == "application/taxii+json" and params in ("", "version=2.1")
        ):
            return
    raise _NotAcceptable(accept)


class _NotAcceptable(IcrmsError):
    status_code = 406

    def __init__(self, accept: str) -> None:
        super().__init__(f"Accept {accept[:100]!r} does not allow {taxii.TAXII_MEDIA}")


class _Unsupported(IcrmsError):
    status_code = 415


def caller(principal: CurrentUser, session: SessionDep) -> transport.Caller:
    """The partner (or administrator) calling."""
    return transport.caller_of(session, principal)


CallerDep = Annotated[transport.Caller, Depends(caller)]
TAXII = [Depends(accepts_taxii)]


def query(
    added_after: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1)] = taxii.DEFAULT_PAGE,
    next_: Annotated[str | None, Query(alias="next", max_length=200)] = None,
    match_id: Annotated[str | None, Query(alias="match[id]", max_length=20_000)] = None,
    match_type: Annotated[str | None, Query(alias="match[type]", max_length=2_000)] = None,
    match_version: Annotated[str | None, Query(alias="match[version]", max_length=2_000)] = None,
    match_spec_version: Annotated[
        str | None, Query(alias="match[spec_version]", max_length=100)
    ] = None,
) -> taxii.Query:
    """The TAXII filters; ``limit`` is capped at the server's page size rather than refused."""
    after = None
    if added_after is not None:
        try:
            after = stix.parse_timestamp(added_after)
        except ValueError as exc:
            raise ValidationError("added_after", added_after, "not a TAXII timestamp") from exc
    if match_spec_version is not None and "2.1" not in match_spec_version.split(","):
        raise ValidationError("match[spec_version]", match_spec_version, "only 2.1 is served")
    return taxii.Query(
        added_after=after,
        limit=min(limit, taxii.MAX_PAGE),
        next=next_,
        ids=_split(match_id),
        types=_split(match_type),
        versions=_split(match_version),
    )


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


QueryDep = Annotated[taxii.Query, Depends(query)]


def _paged(body: dict[str, Any], page: taxii.Page) -> TaxiiResponse:
    headers = {}
    if page.first_added is not None and page.last_added is not None:
        headers["X-TAXII-Date-Added-First"] = taxii.added_stamp(page.first_added)
        headers["X-TAXII-Date-Added-Last"] = taxii.added_stamp(page.last_added)
    return TaxiiResponse(body, headers=headers)


@router.get("/", dependencies=TAXII)
def discovery(request: Request) -> TaxiiResponse:
    """Server discovery: the one API root."""
    root = str(request.url_for("api_root"))
    return TaxiiResponse(
        {
            "title": "icrms partner exchange",
            "description": "Signed, TLP-marked STIX 2.1 bundles between customs administrations",
            "default": root,
            "api_roots": [root],
        }
    )


@router.get(f"/{ROOT}/", name="api_root", dependencies=TAXII)
def api_root(request: Request) -> TaxiiResponse:
    """The API root's information."""
    return TaxiiResponse(
        {
            "title": "icrms exchange",
            "description": "Each partner reads its outbox and pushes to the inbox",
            "versions": [taxii.TAXII_MEDIA],
            "max_content_length": request.app.state.taxii_max_content,
        }
    )


@router.get(f"/{ROOT}/collections/", dependencies=TAXII)
def collections(who: CallerDep, session: SessionDep) -> TaxiiResponse:
    """The collections the caller may see."""
    items = transport.collections(session, who)
    return TaxiiResponse({"collections": [c.model_dump() for c in items]} if items else {})


@router.get(f"/{ROOT}/collections/{{collection_id}}/", dependencies=TAXII)
def collection(collection_id: IdPart, who: CallerDep, session: SessionDep) -> TaxiiResponse:
    """One collection."""
    return TaxiiResponse(transport.collection(session, who, collection_id).model_dump())


@router.get(f"/{ROOT}/collections/{{collection_id}}/manifest/", dependencies=TAXII)
def manifest(
    collection_id: IdPart, who: CallerDep, session: SessionDep, q: QueryDep
) -> TaxiiResponse:
    """Manifest records of a page of objects."""
    return _paged(*transport.manifest(session, who, collection_id, q))


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/", dependencies=TAXII)
def get_objects(
    collection_id: IdPart, who: CallerDep, session: SessionDep, q: QueryDep
) -> TaxiiResponse:
    """A page of objects in an envelope."""
    return _paged(*transport.objects(session, who, collection_id, q))


async def envelope(request: Request) -> bytes:
    """The body of a push, in the TAXII media type (415 otherwise)."""
    kind = request.headers.get("content-type", "").replace(" ", "").lower()
    if not kind.startswith("application/taxii+json"):
        raise _Unsupported(f"Content-Type must be {taxii.TAXII_MEDIA}, not {kind[:100]!r}")
    return await request.body()


@router.post(f"/{ROOT}/collections/{{collection_id}}/objects/", dependencies=TAXII)
def add_objects(
    collection_id: IdPart,
    who: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    body: Annotated[bytes, Depends(envelope)],
) -> TaxiiResponse:
    """Push one signed bundle: accepted whole or refused; 202 with the status either way."""
    admin = local_administration(settings)
    status = transport.push(session, admin, who, collection_id, body)
    return TaxiiResponse(status, status_code=202)


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/{{object_id}}/", dependencies=TAXII)
def get_object(
    collection_id: IdPart, object_id: IdPart, who: CallerDep, session: SessionDep, q: QueryDep
) -> TaxiiResponse:
    """One object (its latest version unless match[version] says otherwise)."""
    return _paged(*transport.one_object(session, who, collection_id, object_id, q))


@router.get(
    f"/{ROOT}/collections/{{collection_id}}/objects/{{object_id}}/versions/", dependencies=TAXII
)
def object_versions(
    collection_id: IdPart, object_id: IdPart, who: CallerDep, session: SessionDep, q: QueryDep
) -> TaxiiResponse:
    """The versions of one object."""
    return _paged(*transport.versions(session, who, collection_id, object_id, q))


@router.get(f"/{ROOT}/status/{{status_id}}/", dependencies=TAXII)
def status(status_id: IdPart, who: CallerDep, session: SessionDep) -> TaxiiResponse:
    """The status of a push."""
    return TaxiiResponse(transport.status(session, who, status_id))


def error(status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    """A TAXII error resource."""
    return TaxiiResponse(
        {
            "title": HTTPStatus(status).phrase,
            "description": description,
            "http_status": str(status),
        },
        status_code=status,
        headers=headers,
    )


def create_taxii_app(parent: FastAPI, *, max_body: int) -> FastAPI:
    """The TAXII sub-application, sharing the parent's state (store, settings)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state = parent.state
    app.state.taxii_max_content = max_body
    app.include_router(router)

    @app.exception_handler(IcrmsError)
    async def _icrms(_request: Request, exc: IcrmsError) -> Response:
        code = 400 if isinstance(exc, ValidationError) else exc.status_code
        headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
        if code >= 500:
            log.error("TAXII error: %s", exc.message)
        return error(code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _request(_request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error(400, f"{where}: {first.get('msg', 'invalid')} ({first.get('input')!r})")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        return error(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error(500, "internal error; the server log has the details")

    return app
