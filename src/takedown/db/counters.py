"""Keyed, expiring counters in PostgreSQL: rate limits that hold across processes.

Keys are opaque (an HMAC of a client's address, an account id): no address is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from takedown.db.base import Base, utcnow
from takedown.db.engine import side_bind


class Counter(Base):
    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


def window_of(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def hit(session: Session, key: str, window: timedelta, n: int = 1) -> int:
    """Add `n` to the key's current window in a statement of its own (so it counts even
    when the caller rolls back, and holds no row lock across the caller's work); returns
    the new count. n=0 reads without adding."""
    start = window_of(utcnow(), window)
    with side_bind(session).connect() as conn:
        if n == 0:
            return conn.scalar(_READ, {"key": key, "start": start}) or 0
        count: int = conn.execute(_ADD, {"key": key, "start": start, "n": n}).scalar_one()
        conn.commit()
    return count


# Built once: these run several times for every report.
_READ = text("SELECT count FROM rate_counters WHERE key = :key AND window_start = :start")
_ADD = text(
    "INSERT INTO rate_counters (key, window_start, count) VALUES (:key, :start, :n) "
    "ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + EXCLUDED.count "
    "RETURNING count"
)


def take(session: Session, key: str, window: timedelta, want: int, cap: int) -> int:
    """Take up to `want` from what is left of `cap` in the key's current window; returns
    how many were granted (0 once the window's cap is spent).

    One atomic add of `want` tells what was used before it (the count less `want`); what
    the cap did not allow is given back. Takers at the same moment may see each other's
    excess before it is given back and get less, never more: the cap holds."""
    if want <= 0:
        return 0
    start = window_of(utcnow(), window)
    with side_bind(session).connect() as conn:
        count: int = conn.execute(_ADD, {"key": key, "start": start, "n": want}).scalar_one()
        granted = max(min(want, cap - (count - want)), 0)
        if granted < want:
            conn.execute(_ADD, {"key": key, "start": start, "n": granted - want})
        conn.commit()
    return granted


def claim_once(session: Session, key: str, until_epoch: int) -> bool:
    """True the first time `key` is claimed (kept until `until_epoch`, then purged), False
    ever after: a single-use token, whatever the window boundaries."""
    until = datetime.fromtimestamp(until_epoch, tz=UTC)
    with side_bind(session).connect() as conn:
        stmt = insert(Counter).values(key=key, window_start=until, count=1)
        inserted = conn.execute(stmt.on_conflict_do_nothing().returning(Counter.count)).first()
        conn.commit()
    return inserted is not None


def purge(session: Session, older_than: timedelta = timedelta(days=1)) -> int:
    result = session.execute(delete(Counter).where(Counter.window_start < utcnow() - older_than))
    return result.rowcount or 0  # type: ignore[attr-defined]


__all__ = ["Counter", "hit", "purge", "window_of"]
