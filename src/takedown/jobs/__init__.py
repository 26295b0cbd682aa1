"""The durable queue. Rooms keep their own jobs in their tasks.py."""

from takedown.jobs.queue import enqueue
from takedown.jobs.runtime import Runtime

__all__ = ["Runtime", "enqueue"]
