from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from takedown import audit


def test_chain_verifies_and_names_the_first_broken_link(dba_session):
    db_session = dba_session
    events = [
        audit.record(
            db_session, "test.event", actor="t", subject_type="case", subject_id=i, data={"n": i}
        )
        for i in range(5)
    ]
    audit.chain_pending(db_session, wait=True)
    assert audit.verify(db_session).ok

    # What a database owner could do: switch the triggers off and rewrite an event.
    db_session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    db_session.execute(
        text("UPDATE audit_events SET data = '{\"n\": 99}' WHERE id = :id"), {"id": events[2].id}
    )
    result = audit.verify(db_session)
    assert not result.ok
    assert result.first_broken_id == events[2].id
    assert result.problem == "hash does not match event contents"


def test_a_removed_event_breaks_the_chain(dba_session):
    db_session = dba_session
    events = [
        audit.record(db_session, "test.event", actor="t", subject_type="case", subject_id=i)
        for i in range(4)
    ]
    audit.chain_pending(db_session, wait=True)
    db_session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    result = audit.verify(db_session)
    assert result.first_broken_id == events[2].id
    assert result.problem == "prev_hash does not match previous event"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"],
)
@pytest.mark.parametrize(
    ("who", "refusal"),
    # The owner is stopped by the triggers; the service's role has no right to try.
    [("dba_session", "append-only"), ("db_session", "permission denied")],
)
def test_the_log_refuses_changes(request, statement, who, refusal):
    session = request.getfixturevalue(who)
    audit.record(session, "test.event", actor="t", subject_type="case", subject_id=1)
    with pytest.raises(DBAPIError, match=refusal):
        session.execute(text(statement))


def test_writers_take_no_lock_and_the_chainer_links_in_commit_order(db):
    """Two transactions write at once (no writer waits for another); the chain follows
    the order in which they became visible, so the late one is linked after."""
    from sqlalchemy import select

    from takedown.audit.models import AuditEvent

    assert db.engine is not None
    with db.engine.connect() as a, db.engine.connect() as b:
        sa_, sb = Session(bind=a), Session(bind=b)
        first = audit.record(sa_, "test.slow", actor="t", subject_type="case", subject_id=1)
        second = audit.record(sb, "test.fast", actor="t", subject_type="case", subject_id=2)
        first_id, second_id = first.id, second.id
        sb.commit()  # the later id commits first and is chained first
        _chain_all(db)
        sa_.commit()
        _chain_all(db)
    with db.session() as session:
        rows = dict(
            session.execute(
                select(AuditEvent.id, AuditEvent.seq).where(
                    AuditEvent.id.in_([first_id, second_id])
                )
            ).all()
        )
        assert rows[second_id] < rows[first_id]
        assert audit.verify(session).ok


def _chain_all(db) -> None:  # type: ignore[no-untyped-def]
    chained = 1
    while chained:
        with db.session() as session:
            chained = audit.chain_pending(session, wait=True)


def test_the_chainer_may_set_links_once_and_nothing_else(db_session):
    event = audit.record(db_session, "test.event", actor="t", subject_type="case", subject_id=3)
    audit.chain_pending(db_session, wait=True)
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(
            text("UPDATE audit_events SET hash = repeat('0', 64) WHERE id = :id"),
            {"id": event.id},
        )
