"""The service connects as a role that owns no table: whatever runs inside it (a bug, an
injected statement, a stolen connection string) cannot switch the audit log's triggers off
or rewrite it. Only the tables' owner migrates."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from takedown.db.roles import owns_audit_log

ATTACKS = [
    "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "DROP TRIGGER audit_events_chain_only ON audit_events",
    "ALTER TABLE audit_events OWNER TO CURRENT_USER",
    "TRUNCATE audit_events",
    "DELETE FROM audit_checkpoints",
    "UPDATE audit_checkpoints SET signature = 'x'",
    "UPDATE alembic_version SET version_num = '0001'",
    "CREATE TABLE planted (id int)",
    "DROP FUNCTION audit_events_chain_only() CASCADE",
]


@pytest.mark.parametrize("statement", ATTACKS)
def test_the_services_role_cannot_touch_the_audit_logs_guards(db_session, statement):
    with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
        db_session.execute(text(statement))


def test_the_service_role_still_does_its_work(db_session):
    assert not owns_audit_log(db_session.connection())
    db_session.execute(text("SELECT count(*) FROM cases"))
    db_session.execute(text("DELETE FROM cases WHERE false"))
    # The chainer's columns are granted (the row trigger decides what may change).
    db_session.execute(text("UPDATE audit_events SET seq = seq WHERE false"))


def test_the_owner_could_and_readyz_would_say_so(dba_session):
    assert owns_audit_log(dba_session.connection())


def test_readyz_says_the_service_owns_nothing(client: httpx.Client):
    checks = {c["name"]: c for c in client.get("/readyz").json()["checks"]}
    assert checks["audit_role"]["ok"] is True
    assert checks["audit_role"]["detail"] == "the service's role owns no table"
