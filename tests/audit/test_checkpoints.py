"""Signed checkpoints catch what a hash chain alone cannot: a database owner who rewrites
an event and then recomputes every link after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from takedown import audit
from takedown.audit import checkpoints


@pytest.fixture
def key(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "audit.key"
    public = checkpoints.new_key(path)
    return checkpoints.load_key(path), public


def _signed_log(db_session, key) -> tuple[list, dict]:  # type: ignore[no-untyped-def]
    events = [
        audit.record(db_session, "test.event", actor="t", subject_type="case", subject_id=i)
        for i in range(5)
    ]
    audit.chain_pending(db_session, wait=True)
    row = checkpoints.checkpoint(db_session, key[0])
    assert row is not None
    return events, checkpoints.export(row)


def test_an_intact_chain_passes_with_its_witness(db_session, key):
    _, kept = _signed_log(db_session, key)
    assert checkpoints.verify_checkpoints(db_session, key[1], [kept]).ok
    assert audit.verify(db_session).ok


def test_a_rewritten_and_rechained_log_is_caught(dba_session, key):
    db_session = dba_session
    events, kept = _signed_log(db_session, key)
    # The owner's attack: change an event, then recompute every link so the chain is whole.
    db_session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    db_session.execute(
        text("UPDATE audit_events SET actor = 'someone else' WHERE id = :id"),
        {"id": events[1].id},
    )
    db_session.execute(
        text("UPDATE audit_events SET seq = NULL, hash = NULL, prev_hash = NULL WHERE id >= :id"),
        {"id": events[0].id},
    )
    db_session.expire_all()
    audit.chain_pending(db_session, wait=True)
    assert audit.verify(db_session).ok  # the chain alone is fooled
    result = checkpoints.verify_checkpoints(db_session, key[1], [kept])
    assert not result.ok and "rewritten" in (result.problem or "")


def test_a_removed_checkpoint_is_caught_by_the_witness(dba_session, key):
    db_session = dba_session
    _, kept = _signed_log(db_session, key)
    db_session.execute(text("DELETE FROM audit_checkpoints"))
    result = checkpoints.verify_checkpoints(db_session, key[1], [kept])
    assert not result.ok and "witness" in (result.problem or "")


def test_a_checkpoint_signed_by_another_key_is_refused(db_session, key, tmp_path):
    forger = tmp_path / "forger.key"
    checkpoints.new_key(forger)
    audit.record(db_session, "test.event", actor="t", subject_type="case", subject_id=9)
    audit.chain_pending(db_session, wait=True)
    checkpoints.checkpoint(db_session, checkpoints.load_key(forger))
    result = checkpoints.verify_checkpoints(db_session, key[1])
    assert not result.ok and "another key" in (result.problem or "")
