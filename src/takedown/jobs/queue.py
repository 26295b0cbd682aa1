"""Enqueue a procrastinate job inside the caller's transaction (the outbox guarantee)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import event, text
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


_BATCHES = "takedown_job_batches"


def enqueue_batched(
    session: Session, task_name: str, *, queue: str, arg: str, item: object
) -> None:
    """Add `item` to one `task_name(arg=[items...])` job, enqueued when this transaction
    commits: a transaction's webhooks (or statements) go out together, not one job each."""
    batches = session.info.setdefault(_BATCHES, {})
    batches.setdefault((task_name, queue, arg), []).append(item)


@event.listens_for(Session, "before_commit")
def _enqueue_batches(session: Session) -> None:
    for (task_name, queue, arg), items in session.info.pop(_BATCHES, {}).items():
        enqueue(session, task_name, queue=queue, **{arg: items})


@event.listens_for(Session, "after_rollback")
def _forget_batches(session: Session) -> None:
    session.info.pop(_BATCHES, None)
