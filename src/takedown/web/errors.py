"""Every error becomes JSON with a stable `code`, in one place. Pages render their own."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from takedown.errors import TakedownError

log = logging.getLogger("takedown.web")


def field_of(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    return [{"field": field_of(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]


def install(app: FastAPI) -> None:
    @app.exception_handler(TakedownError)
    async def domain_error(request: Request, exc: TakedownError) -> JSONResponse:
        log.warning(
            "%s %s %s -> %s %s", request.method, request.url.path, exc.status, exc.code, exc.message
        )
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        log.warning("%s %s 422 invalid_input %s", request.method, request.url.path, errors)
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return JSONResponse(
            {
                "error": {
                    "code": "invalid_input",
                    "message": f"{first['field']}: {first['message']}",
                    "field": first["field"],
                    "errors": errors,
                }
            },
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        log.warning("%s %s %s %s", request.method, request.url.path, exc.status_code, code)
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code
        )

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character, a number or a text too large for its column
        log.warning(
            "%s %s 422 invalid_input (database refused: %s)",
            request.method,
            request.url.path,
            type(exc.orig).__name__,
        )
        return JSONResponse(
            {
                "error": {
                    "code": "invalid_input",
                    "message": "Part of the request cannot be stored: a value is too "
                    "long or contains a character that is not allowed.",
                }
            },
            status_code=422,
        )

    @app.exception_handler(SATimeout)
    @app.exception_handler(OperationalError)
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is away or every connection is busy: nothing was acknowledged, and
        # the client should come back soon rather than give up.
        log.warning("503 on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse(
            {
                "error": {
                    "code": "service_unavailable",
                    "message": "We cannot take this right now. Nothing you sent was "
                    "acknowledged; please try again in a few seconds.",
                }
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("500 on %s %s", request.method, request.url.path)
        return internal_error()


def internal_error() -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": "internal_error",
                "message": "Something went wrong on our side. Nothing you sent "
                "was acknowledged; please try again.",
            }
        },
        status_code=500,
    )


class KeepAliveOnCrash:
    """Answer an unexpected exception with the JSON 500 here, and do not re-raise it.

    Starlette's outermost error middleware re-raises after its 500, and uvicorn then closes
    the connection; caught here, a crash costs the client one answer, not its keep-alive.
    Once an answer has started, the exception goes on (the connection must then close)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if started:
                raise
            log.exception("500 on %s %s", scope.get("method"), scope.get("path"))
            await internal_error()(scope, receive, send)
