"""What a running job needs: the process's settings and database, set when the worker starts."""

from __future__ import annotations

from dataclasses import dataclass

from takedown.config import Settings
from takedown.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no job runtime installed; start the worker through takedown.jobs")
    return _current
