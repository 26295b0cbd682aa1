"""Write and verify the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from takedown.audit.models import AuditEvent
from takedown.db.base import utcnow

GENESIS = "0" * 64
# Serialises writers until commit, so the chain has exactly one successor per link.
_CHAIN_LOCK = 7236002


def _digest(prev_hash: str, at: datetime, actor: str, action: str, subject: str, data: dict) -> str:
    body = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(), actor, action, subject, data],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    subject_type: str,
    subject_id: object,
    data: dict[str, object] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction."""
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = last or GENESIS
    at = utcnow()
    payload = json.loads(json.dumps(data or {}, default=str))
    subject = f"{subject_type}:{subject_id}"
    event = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=payload,
        prev_hash=prev,
        hash=_digest(prev, at, actor, action, subject, payload),
    )
    session.add(event)
    session.flush()
    return event


@dataclass
class Verification:
    ok: bool
    events: int
    first_broken_id: int | None = None
    problem: str | None = None


def verify(session: Session, batch: int = 5000) -> Verification:
    """Walk the chain in order; name the first event whose link or digest is wrong."""
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        # Plain rows, not ORM objects: verify what is stored, not what a session cached.
        rows = session.execute(
            select(AuditEvent.__table__)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        if not rows:
            return Verification(ok=True, events=count)
        for ev in rows:
            subject = f"{ev.subject_type}:{ev.subject_id}"
            if ev.prev_hash != prev:
                return Verification(False, count, ev.id, "prev_hash does not match previous event")
            expected = _digest(prev, ev.at, ev.actor, ev.action, subject, ev.data)
            if ev.hash != expected:
                return Verification(False, count, ev.id, "hash does not match event contents")
            prev = ev.hash
            count += 1
            last_id = ev.id


def events_for(session: Session, subject_type: str, subject_id: object) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type)
            .where(AuditEvent.subject_id == str(subject_id))
            .order_by(AuditEvent.id)
        )
    )
