"""Counting failed attempts (wrong PINs, wrong passwords) toward a temporary lock."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session

from takedown.db.engine import side_bind


def count_failure(
    session: Session,
    failures: InstrumentedAttribute[int],
    locked_until: InstrumentedAttribute[datetime | None],
    row_id: int,
    *,
    limit: int,
    lock_for: timedelta,
    now: datetime,
) -> bool:
    """One more failure on row `row_id`, in its own transaction: it must persist although
    the request that failed rolls back. At `limit` the count resets and the row locks until
    `now + lock_for`. True when this failure locked it."""
    table = failures.class_
    where = table.id == row_id
    with side_bind(session).connect() as conn:
        count = conn.execute(
            update(table).where(where).values({failures.key: failures + 1}).returning(failures)
        ).scalar_one()
        locked = count >= limit
        if locked:
            conn.execute(
                update(table)
                .where(where)
                .values({failures.key: 0, locked_until.key: now + lock_for})
            )
        conn.commit()
    return locked
