"""``create_app(settings)``: the FastAPI application serving the API v1 and the web pages.

The store lives on ``app.state`` (no module-level engine), so tests pass their own. Public
routes are health, readiness, login and static assets; every other route sits behind
``get_principal`` and a role check. Add a domain's routes to ``icrms.api.routes.ROUTERS``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI

from icrms import __version__
from icrms.api import errors
from icrms.api.deps import get_principal
from icrms.api.metrics import Metrics
from icrms.api.middleware import ServiceMiddleware
from icrms.api.routes import PUBLIC_ROUTERS, ROUTERS
from icrms.auth.usage import UsageNotes
from icrms.core.db import Store
from icrms.jobs.runner import JobRunner
from icrms.live.snapshots import LiveSnapshots
from icrms.settings import Settings, get_settings

API_PREFIX = "/api/v1"
MAX_BODY = 2 * 1024 * 1024
MAX_UPLOAD = 512 * 1024 * 1024
HANDLER_THREADS = 8  # request handlers running at once per process


def check_secrets(settings: Settings) -> None:
    """Refuse to serve without configured secrets outside demo mode (raises ConfigurationError)."""
    settings.selectivity_secret()


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, run_jobs: bool = True
) -> FastAPI:
    """The application over ``settings`` (and ``store``, else the configured one)."""
    settings = settings or get_settings()
    check_secrets(settings)
    settings.ensure_home()
    own_store = store is None
    store = store or Store(settings.store_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # request handlers run in threads, and Python runs one at a time: more than a few at
        # once only starves whichever holds the store's write lock (a convoy under load)
        to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
        for start in app.state.on_start:
            start(app)
        try:
            yield
        finally:
            for stop in app.state.on_stop:
                stop(app)
            if own_store:
                store.dispose()

    app = FastAPI(
        title="icrms",
        version=__version__,
        summary="Integrated Customs Risk Management System: API v1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.store = store
    app.state.metrics = metrics
    runner = JobRunner(store, settings, metrics=metrics)
    app.state.jobs = runner
    app.state.wake_jobs = runner.wake
    usage = UsageNotes(store)
    app.state.usage = usage
    app.state.snapshots = LiveSnapshots(store, settings, on_build=metrics.snapshot_builds.inc)
    app.state.on_start = [lambda _app: _warm(app)] + (
        [lambda _app: runner.start()] if run_jobs else []
    )
    app.state.on_stop = ([lambda _app: runner.stop()] if run_jobs else []) + [
        lambda _app: usage.close()
    ]
    app.state.readiness = (
        {"jobs": lambda: "ok" if runner.alive() else "failed: job runner stopped"}
        if run_jobs
        else {}
    )
    errors.register(app)
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(get_principal)])
    from icrms.api.routes.taxii import PREFIX, create_taxii_app

    app.mount(PREFIX, create_taxii_app(app, max_body=MAX_BODY))
    from icrms.web.app import mount

    mount(app)
    if run_jobs and settings.warehouse.warm_dashboards:
        from icrms.web.routes.dashboards import overview_warmer

        warmer = overview_warmer(settings)
        app.state.on_start.append(lambda _app: warmer.start())
        app.state.on_stop.insert(0, lambda _app: warmer.stop())
    app.add_middleware(ServiceMiddleware, metrics=metrics, max_body=MAX_BODY, max_upload=MAX_UPLOAD)
    return app


def _warm(app: FastAPI) -> None:
    """Compile the live snapshot before the first request needs it."""
    with app.state.store.session() as session:
        app.state.snapshots.current(session)


def app_from_environment() -> FastAPI:
    """The app for ``icrms serve`` (uvicorn's factory): settings from the environment."""
    return create_app(get_settings())
