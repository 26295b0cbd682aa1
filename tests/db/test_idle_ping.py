"""A pooled connection the server dropped while it sat idle is replaced on checkout, not
handed to a request that would then fail."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from takedown.config import Settings
from takedown.db import Database
from takedown.db.engine import ping_when_idle


def test_a_connection_dropped_while_idle_is_replaced(settings: Settings, pg_url: str) -> None:
    db = Database(settings).open()
    try:
        assert db.engine is not None
        with db.engine.connect() as conn:
            first = conn.scalar(text("SELECT pg_backend_pid()"))
        admin = Database(settings.model_copy(update={"database_url": pg_url})).open()
        with admin.session() as session:  # the server drops it (as a restart would)
            session.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
        admin.close(stop_embedded=False)
        time.sleep(1.1)  # idle past IDLE_PING_S: checked before use
        with db.engine.connect() as conn:
            second = conn.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        db.close(stop_embedded=False)


def test_a_connection_given_back_a_moment_ago_is_not_checked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(settings).open()
    try:
        assert db.engine is not None
        ping_when_idle(db.engine, idle_s=3600)  # and the default listener: never idle so long
        pings: list[str] = []
        dialect = db.engine.dialect
        original = dialect.do_ping

        def counting(connection: object) -> bool:
            pings.append("ping")
            return original(connection)  # type: ignore[arg-type]

        monkeypatch.setattr(dialect, "do_ping", counting)
        with db.engine.connect() as conn:
            conn.scalar(text("SELECT 1"))
        with db.engine.connect() as conn:  # the same connection, back a moment ago
            conn.scalar(text("SELECT 1"))
        assert pings == []
    finally:
        db.close(stop_embedded=False)
