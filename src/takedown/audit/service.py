"""Write and verify the hash-chained audit log.

Writers append events in their own transactions and take no lock: the chain is built after
commit by one chainer at a time (a background loop in every worker; whichever holds the
advisory lock), which gives each committed event the next `seq` and links it to the one
before. The chain's order is the order events became visible, so an event committed late
can never be slipped in before an older link. Until it is chained (normally well under a
second), an event can still not be changed or removed: a trigger refuses every UPDATE but
the chainer's, and every DELETE and TRUNCATE."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from takedown.audit.models import AuditEvent
from takedown.db import utcnow

GENESIS = "0" * 64
# Held by the chainer only, never by a writer.
_CHAIN_LOCK = 7236002
CHAIN_BATCH = 5000


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
    """Append one event in the caller's transaction (chained after it commits). The event
    returned is not in the session: it is stored already."""
    body = json.dumps(data or {}, default=str)
    values = {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
    }
    # Straight on the transaction's connection: an event refers to no row by a foreign
    # key, so nothing the session holds needs flushing first.
    event_id: int = session.connection().execute(_APPEND, {**values, "data": body}).scalar_one()
    return AuditEvent(id=event_id, data=json.loads(body), **values)


_APPEND = text(
    "INSERT INTO audit_events (at, actor, action, subject_type, subject_id, data) "
    "VALUES (:at, :actor, :action, :subject_type, :subject_id, CAST(:data AS jsonb)) RETURNING id"
)


def chain_pending(session: Session, *, wait: bool = False, limit: int = CHAIN_BATCH) -> int:
    """Link every visible unchained event, oldest id first, after the chain's last link.
    Returns how many were chained; 0 if another chainer holds the lock (unless `wait`)."""
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    elif not session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK}):
        return 0
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (int(last[0] or 0), str(last[1])) if last else (0, GENESIS)
    t = AuditEvent.__table__.c
    pending = session.execute(
        select(t.id, t.at, t.actor, t.action, t.subject_type, t.subject_id, t.data)
        .where(t.seq.is_(None))
        .order_by(t.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    links: dict[str, list] = {"ids": [], "seqs": [], "prevs": [], "hashes": []}
    for event in pending:
        seq += 1
        subject = f"{event.subject_type}:{event.subject_id}"
        digest = _digest(prev, event.at, event.actor, event.action, subject, event.data)
        for key, value in zip(links, (event.id, seq, prev, digest), strict=True):
            links[key].append(value)
        prev = digest
    # One statement for the batch, not one per event.
    session.execute(_LINK, links)
    chained = set(links["ids"])
    for obj in list(session.identity_map.values()):  # events this session holds: reloaded
        if isinstance(obj, AuditEvent) and obj.id in chained:
            session.expire(obj, ["seq", "prev_hash", "hash"])
    return len(pending)


_LINK = text(
    "UPDATE audit_events SET seq = v.seq, prev_hash = v.prev, hash = v.hash "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:seqs AS bigint[]), CAST(:prevs AS text[]), "
    "CAST(:hashes AS text[])) AS v(id, seq, prev, hash) WHERE audit_events.id = v.id"
)


@dataclass
class Verification:
    ok: bool
    events: int
    first_broken_id: int | None = None
    problem: str | None = None
    pending: int = 0  # committed but not yet chained


def verify(session: Session, batch: int = 5000) -> Verification:
    """Walk the chain in order; name the first event whose link or digest is wrong."""
    prev = GENESIS
    count = 0
    last_seq = 0
    pending = session.scalar(select(func.count()).where(AuditEvent.seq.is_(None))) or 0
    while True:
        # Plain rows, not ORM objects: verify what is stored, not what a session cached.
        rows = session.execute(
            select(AuditEvent.__table__)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            return Verification(ok=True, events=count, pending=pending)
        for ev in rows:
            subject = f"{ev.subject_type}:{ev.subject_id}"
            if ev.seq != last_seq + 1 or ev.prev_hash != prev:
                return Verification(
                    False, count, ev.id, "prev_hash does not match previous event", pending
                )
            expected = _digest(prev, ev.at, ev.actor, ev.action, subject, ev.data)
            if ev.hash != expected:
                return Verification(
                    False, count, ev.id, "hash does not match event contents", pending
                )
            prev = ev.hash
            count += 1
            last_seq = ev.seq


def events_for(session: Session, subject_type: str, subject_id: object) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type)
            .where(AuditEvent.subject_id == str(subject_id))
            .order_by(AuditEvent.id)
        )
    )
