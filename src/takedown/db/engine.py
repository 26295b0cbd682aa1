"""The database handle: URL resolution (embedded or configured), engine, sessions."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from takedown.config import Settings

if TYPE_CHECKING:
    from takedown.db.embedded import EmbeddedPostgres
from takedown.db.migrate import upgrade
from takedown.db.roles import EMBEDDED_SERVICE_ROLE, ensure_login_role, grant_service

SIDE_ENGINE = "side_engine"
MAIN_POOL = (40, 10)  # kept open, and more when every one is in use
SIDE_POOL = (20, 20)
# At most, for one process (an in-process worker shares its pools): both pools, and
# procrastinate's and the match index follower's few.
CONNECTIONS_PER_PROCESS = sum(MAIN_POOL) + sum(SIDE_POOL) + 4
SETTINGS = "settings"
# A pooled connection unused for longer than this is checked (SELECT 1) before it is handed
# out; one given back a moment ago is not: under load that check was a round trip more for
# every transaction, and a connection the server dropped meanwhile fails its statement, which
# invalidates the whole pool (every older connection is replaced on its next checkout).
IDLE_PING_S = 1.0


def side_bind(session: Session) -> Engine:
    """Where writes that must commit on their own go (counters): the side pool if the
    session came from a Database, else the session's own engine."""
    engine = session.info.get(SIDE_ENGINE)
    return engine if engine is not None else session.get_bind()  # type: ignore[return-value]


def settings_of(session: Session) -> Settings | None:
    """The settings of the Database the session came from (None for a bare session)."""
    return session.info.get(SETTINGS)


class Database:
    """One per process. `open()` starts an embedded PostgreSQL when no URL is configured."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedded: EmbeddedPostgres | None = None
        self.engine: Engine | None = None
        self.side_engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def url(self) -> str:
        """Where the service connects: a role that owns no table."""
        if self.settings.database_url:
            return _sqlalchemy_url(self.settings.database_url)
        if self._embedded is None:
            raise RuntimeError("database not opened")
        return self._embedded.sqlalchemy_url("takedown", user=EMBEDDED_SERVICE_ROLE)

    @property
    def owner_url(self) -> str:
        """The tables' owner, for migrations and grants."""
        if self.settings.migrate_database_url:
            return _sqlalchemy_url(self.settings.migrate_database_url)
        if self.settings.database_url:
            return _sqlalchemy_url(self.settings.database_url)
        if self._embedded is None:
            raise RuntimeError("database not opened")
        return self._embedded.sqlalchemy_url("takedown")

    def migrate(self) -> None:
        """Apply every migration as the owner, then grant the service role its rows."""
        owner = create_engine(self.owner_url, poolclass=NullPool)
        try:
            upgrade(owner)
            service = make_url(self.url).username
            with owner.connect() as conn:
                if service and service != conn.exec_driver_sql("SELECT current_user").scalar():
                    grant_service(conn, service)
                    conn.commit()
        finally:
            owner.dispose()

    def open(self) -> Database:
        if not self.settings.database_url and self._embedded is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from takedown.db import embedded

                self._embedded = embedded.start(self.settings.pgdata_dir)
                embedded.ensure_database(self._embedded, "takedown")
                ensure_login_role(self._embedded.uri, EMBEDDED_SERVICE_ROLE)
        # More connections than the web server's threads (web_threads, and an in-process
        # worker's), so no request waits on another for a connection; short side writes
        # (counters) have a pool of their own, so a request holding its connection never
        # waits for a second one from the same pool.
        # Most are kept open: a connection past `pool_size` is closed when given back, and
        # under load that meant a new backend for many requests, planning every statement
        # cold (planning grew from 0.8 to 6.8 ms of PostgreSQL CPU per report near 50/s).
        # A database that is away answers at once (refused) or within connect_timeout, so
        # callers get a fast 503 rather than a hang.
        self.engine = create_engine(
            self.url,
            pool_size=MAIN_POOL[0],
            max_overflow=MAIN_POOL[1],
            pool_timeout=10,
            connect_args={"connect_timeout": 3},
        )
        # Rate-limit counts, one statement each (autocommit: no BEGIN or COMMIT round trip):
        # a count lost in a crash costs nothing, so these commits do not wait for the disk.
        self.side_engine = create_engine(
            self.url,
            pool_size=SIDE_POOL[0],
            max_overflow=SIDE_POOL[1],
            pool_timeout=5,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 3, "options": "-c synchronous_commit=off"},
        )
        for engine in (self.engine, self.side_engine):
            ping_when_idle(engine)
        self._sessions = sessionmaker(
            self.engine,
            expire_on_commit=False,
            info={SIDE_ENGINE: self.side_engine, SETTINGS: self.settings},
        )
        return self

    def close(self, *, stop_embedded: bool = True) -> None:
        if self.engine is not None:
            self.engine.dispose()
        if self.side_engine is not None:
            self.side_engine.dispose()
        if stop_embedded and self._embedded is not None:
            self._embedded.stop()
            self._embedded = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        assert self._sessions is not None, "database not opened"
        with self._sessions() as session, session.begin():
            yield session

    def libpq_url(self) -> str:
        """The same database as a plain libpq URL (for psycopg / procrastinate)."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)


def ping_when_idle(engine: Engine, idle_s: float = IDLE_PING_S) -> None:
    """Check a pooled connection before use only if it sat unused for `idle_s` (a dead one
    is replaced, with every connection older than it: the pool retries the checkout)."""

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: object, entry: ConnectionPoolEntry) -> None:
        entry.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: object, entry: ConnectionPoolEntry, proxy: object) -> None:
        since = entry.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # type: ignore[arg-type]
        except Exception as error:  # whatever the reason, this connection is not usable
            # As pool_pre_ping does: every older connection is replaced too (after a restart
            # they are all dead), and the checkout is retried with a new one.
            raise exc.InvalidatePoolError() from error


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
