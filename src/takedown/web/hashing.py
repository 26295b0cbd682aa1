"""Hashing (and fetching media to hash) on threads of its own: an upload waiting for a decode
slot holds one of these, never one of the threads every other request needs (web_threads),
so a burst of uploads cannot hold a P0 report back."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

P = ParamSpec("P")
T = TypeVar("T")
HASHING_THREADS = 16  # past the decode slots they only wait; the wait is bounded by them
_LIMITER: RunVar[anyio.CapacityLimiter] = RunVar("takedown_hashing_limiter")


def limiter() -> anyio.CapacityLimiter:
    """This event loop's hashing pool."""
    try:
        return _LIMITER.get()
    except LookupError:
        made = anyio.CapacityLimiter(HASHING_THREADS)
        _LIMITER.set(made)
        return made


async def run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=limiter())
