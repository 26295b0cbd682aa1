"""Request-scoped access to the process's settings and database, and the callers' identities.

The dependencies are `async def`: they do no I/O, and FastAPI runs a plain `def` one on the
thread pool (a thread hop each, per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from takedown.config import Settings
from takedown.db import Database
from takedown.matching import MatchEngine


async def settings(request: Request) -> Settings:
    return request.app.state.settings


async def database(request: Request) -> Database:
    return request.app.state.db


async def matcher(request: Request) -> MatchEngine:
    return request.app.state.matcher


async def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


SettingsDep = Annotated[Settings, Depends(settings)]
DatabaseDep = Annotated[Database, Depends(database)]
BearerDep = Annotated[str | None, Depends(bearer)]
MatcherDep = Annotated[MatchEngine, Depends(matcher)]
