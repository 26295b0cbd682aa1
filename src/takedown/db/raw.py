"""What SQLAlchemy's session hides that bulk work needs: the psycopg connection (for COPY)
and how many rows a data-changing statement touched."""

from __future__ import annotations

from typing import Any, cast

import psycopg
from sqlalchemy import CursorResult, Result
from sqlalchemy.orm import Session


def psycopg_connection(session: Session) -> psycopg.Connection[Any]:
    """The session's psycopg connection, in its transaction."""
    raw = session.connection().connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"COPY needs a psycopg connection, not {type(raw).__name__}")
    return raw


def rowcount(result: Result[Any]) -> int:
    """Rows an INSERT, UPDATE or DELETE touched (its result is a cursor's)."""
    return cast("CursorResult[Any]", result).rowcount or 0
