"""Enqueue a procrastinate job inside the caller's transaction (the outbox guarantee)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, "
    ":queueing_lock, CAST(:args AS jsonb), :scheduled_at)::procrastinate_job_to_defer_v1])"
)


def enqueue(
    session: Session,
    task_name: str,
    *,
    queue: str = "default",
    priority: int = 0,
    scheduled_at: datetime | None = None,
    lock: str | None = None,
    **args: object,
) -> None:
    """Defer `task_name(**args)`; it exists only if the caller's transaction commits."""
    session.execute(
        _DEFER,
        {
            "queue": queue,
            "task": task_name,
            "priority": priority,
            "lock": lock,
            "queueing_lock": None,
            "args": json.dumps(args, default=str),
            "scheduled_at": scheduled_at,
        },
    )
