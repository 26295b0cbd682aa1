"""Storage: the engine, sessions, the embedded PostgreSQL and migrations."""

from takedown.db.base import Base, utcnow
from takedown.db.engine import Database
from takedown.db.migrate import upgrade

__all__ = ["Base", "Database", "upgrade", "utcnow"]
