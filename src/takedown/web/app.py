"""The FastAPI application: API v1, reporter pages, and (optionally) an in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from takedown import wiring
from takedown.config import Settings
from takedown.db import Database
from takedown.fingerprints import set_decode_slots
from takedown.jobs import Runtime
from takedown.matching import MatchEngine
from takedown.web import errors, hardening
from takedown.web.api import appeals, bodies, bursts, cases, check, content, reports, webhooks
from takedown.web.api import hma as hma_api
from takedown.web.api import legal as legal_api
from takedown.web.api import quarantines as quarantines_api
from takedown.web.auth import LoginRequired
from takedown.web.limits import BodyLimit
from takedown.web.pages import admin as admin_pages
from takedown.web.pages import routes as pages
from takedown.web.pages import staff as staff_pages

log = logging.getLogger("takedown.web")
UPLOAD_PATHS = ("/v1/content", "/v1/check", *hma_api.UPLOAD_PATHS)


# Set by `takedown serve --processes N` for its web processes: "1" when each runs a worker.
PROCESS_WORKER_ENV = "_TAKEDOWN_WEB_PROCESS_WORKER"


def from_environment() -> FastAPI:
    """One of `takedown serve --processes N`'s web processes: the settings from the
    environment; the database was migrated by the command before they started."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    run_worker = os.environ.get(PROCESS_WORKER_ENV) == "1"
    return create_app(settings, run_worker=run_worker, migrate=False)


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    run_worker: bool = True,
    migrate: bool = True,
) -> FastAPI:
    """Build the app. With no `db`, it opens (and, unless told not to, migrates) its own on
    startup."""
    wiring.wire()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Starlette runs each plain `def` route on anyio's thread pool: its size is how many
        # requests share the CPU and the database at once.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        own_db = db is None
        database = db or Database(settings)
        if own_db:
            await asyncio.to_thread(database.open)
            if migrate:
                await asyncio.to_thread(database.migrate)
        app.state.db = database
        app.state.matcher = MatchEngine.for_settings(database.libpq_url(), settings).start()
        await asyncio.to_thread(app.state.matcher.wait_ready)
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(_worker(settings, database, app.state.matcher, stop))
            if run_worker
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            app.state.matcher.stop()
            if own_db:
                database.close()

    app = FastAPI(
        title="Takedown",
        version="1",
        lifespan=lifespan,
        description="Child-safety report-and-takedown service.",
        docs_url=None,  # served from local files by hardening.install, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    set_decode_slots(settings.decode_slots)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    hardening.install(app, settings)
    errors.install(app)
    for router in (
        reports.router,
        content.router,
        check.router,
        cases.router,
        bursts.router,
        appeals.router,
        legal_api.router,
        webhooks.router,
        pages.router,
        staff_pages.router,
        admin_pages.router,
    ):
        app.include_router(router)
    bodies.install(app)  # bodies the upload routes parse themselves, in /openapi.json
    # HMA's API at the root and under /hma (where its /status is: /status is the reporters').
    app.include_router(hma_api.router)
    app.include_router(hma_api.router, prefix="/hma", include_in_schema=False)
    app.include_router(hma_api.status_router)
    app.include_router(quarantines_api.router)
    app.mount(
        "/static", StaticFiles(directory=Path(__file__).parent / "pages" / "static"), name="static"
    )

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/report")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers. Whether it can do its work is /readyz."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz(request: Request) -> JSONResponse:
        """Readiness: the database, the match index, a worker's heartbeat and the webhook
        backlog, each with what is wrong; 503 when any fails."""
        found = wiring.readiness.checks(
            request.app.state.db,
            getattr(request.app.state, "matcher", None),
            settings,
            in_process_worker=run_worker,
        )
        ok = all(c.ok for c in found)
        body = {"status": "ready" if ok else "not_ready", "checks": [c.to_dict() for c in found]}
        return JSONResponse(body, status_code=200 if ok else 503)

    return app


async def _worker(
    settings: Settings, db: Database, engine: MatchEngine, stop: asyncio.Event
) -> None:
    try:
        await wiring.run_worker(Runtime(settings=settings, db=db, engine=engine), stop=stop)
    except Exception:
        log.exception("in-process worker stopped")
