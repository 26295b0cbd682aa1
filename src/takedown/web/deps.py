"""Request-scoped access to the process's settings and database, and the callers' identities."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from takedown.config import Settings
from takedown.db import Database
from takedown.matching import MatchEngine


def settings(request: Request) -> Settings:
    return request.app.state.settings


def database(request: Request) -> Database:
    return request.app.state.db


def matcher(request: Request) -> MatchEngine:
    return request.app.state.matcher


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


SettingsDep = Annotated[Settings, Depends(settings)]
DatabaseDep = Annotated[Database, Depends(database)]
BearerDep = Annotated[str | None, Depends(bearer)]
MatcherDep = Annotated[MatchEngine, Depends(matcher)]
