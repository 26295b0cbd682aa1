"""What this process knows of its own background work, for /readyz: is its worker running,
and what stopped it last."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class WorkerHealth:
    running: bool = False
    restarts: int = 0
    last_error: str | None = None
    since: float = 0.0


_state = WorkerHealth()
_lock = threading.Lock()


def worker_up() -> None:
    with _lock:
        _state.running, _state.since = True, time.time()


def worker_stopped() -> None:
    with _lock:
        _state.running = False


def worker_down(exc: BaseException) -> None:
    with _lock:
        _state.running = False
        _state.restarts += 1
        _state.last_error = f"{type(exc).__name__}: {exc}"[:500]
        _state.since = time.time()


def snapshot() -> WorkerHealth:
    with _lock:
        return WorkerHealth(**vars(_state))
