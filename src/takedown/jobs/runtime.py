"""What a running job needs: the process's settings and database, set when the worker starts."""

from __future__ import annotations

from dataclasses import dataclass

from takedown.config import Settings
from takedown.db import Database
from takedown.matching.engine import MatchEngine


@dataclass
class Runtime:
    settings: Settings
    db: Database
    engine: MatchEngine | None = None

    def matcher(self) -> MatchEngine:
        """The process's match index (the server's, or one started for this worker)."""
        if self.engine is None:
            self.engine = MatchEngine.for_settings(self.db.libpq_url(), self.settings).start()
            self.engine.wait_ready()
        return self.engine


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no job runtime installed; start the worker through takedown.jobs")
    return _current
