"""The durable queue. Rooms keep their own jobs in their tasks.py."""

from takedown.jobs import health, runtime
from takedown.jobs.queue import enqueue, enqueue_batched
from takedown.jobs.runtime import Runtime

__all__ = [
    "Runtime",
    "enqueue",
    "enqueue_batched",
    "health",
    "runtime",
]
