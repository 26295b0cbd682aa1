"""Storage: the engine, sessions, the embedded PostgreSQL and migrations."""

from takedown.db import counters
from takedown.db.base import Base, utcnow
from takedown.db.engine import CONNECTIONS_PER_PROCESS, Database, settings_of
from takedown.db.migrate import upgrade
from takedown.db.raw import psycopg_connection, rowcount
from takedown.db.roles import owns_audit_log

__all__ = [
    "CONNECTIONS_PER_PROCESS",
    "Base",
    "Database",
    "counters",
    "owns_audit_log",
    "psycopg_connection",
    "rowcount",
    "settings_of",
    "upgrade",
    "utcnow",
]
