"""What a running job needs: the process's settings and database, set when the worker starts."""

from __future__ import annotations

from dataclasses import dataclass

from takedown.config import Settings
from takedown.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    # The process's match index (the server's, or one matching starts for this worker:
    # `matching.engine_of`). Typed loosely: the queue sits below the rooms it runs.
    engine: object | None = None


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no job runtime installed; start the worker through takedown.jobs")
    return _current
