from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from takedown import audit


def test_chain_verifies_and_names_the_first_broken_link(db_session):
    events = [
        audit.record(
            db_session, "test.event", actor="t", subject_type="case", subject_id=i, data={"n": i}
        )
        for i in range(5)
    ]
    assert audit.verify(db_session).ok

    db_session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    db_session.execute(
        text("UPDATE audit_events SET data = '{\"n\": 99}' WHERE id = :id"), {"id": events[2].id}
    )
    result = audit.verify(db_session)
    assert not result.ok
    assert result.first_broken_id == events[2].id
    assert result.problem == "hash does not match event contents"


def test_a_removed_event_breaks_the_chain(db_session):
    events = [
        audit.record(db_session, "test.event", actor="t", subject_type="case", subject_id=i)
        for i in range(4)
    ]
    db_session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    result = audit.verify(db_session)
    assert result.first_broken_id == events[2].id
    assert result.problem == "prev_hash does not match previous event"


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"]
)
def test_the_log_refuses_changes(db_session, statement):
    audit.record(db_session, "test.event", actor="t", subject_type="case", subject_id=1)
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(statement))
