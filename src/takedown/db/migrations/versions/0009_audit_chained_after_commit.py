"""audit events chained after commit by one chainer, not under a lock held by every writer

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

# Rows may change once, and only as the chainer does it: seq and links set where they
# were empty, nothing else touched. Deleting and truncating stay refused.
CHAIN_ONLY = """
CREATE FUNCTION audit_events_chain_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq IS NULL AND OLD.hash IS NULL AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.subject_type = OLD.subject_type
       AND NEW.subject_id = OLD.subject_id AND NEW.data = OLD.data THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_chain_only BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain_only();
"""


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(op.f("uq_audit_events_seq"), "audit_events", ["seq"])
    op.alter_column("audit_events", "prev_hash", existing_type=sa.String(64), nullable=True)
    op.alter_column("audit_events", "hash", existing_type=sa.String(64), nullable=True)
    # Events chained before this revision keep their links, in id order.
    op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
    op.execute(
        "UPDATE audit_events a SET seq = n.rn FROM "
        "(SELECT id, row_number() OVER (ORDER BY id) AS rn FROM audit_events) n "
        "WHERE a.id = n.id"
    )
    op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change")
    op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
    op.execute(
        "CREATE TRIGGER audit_events_no_change BEFORE DELETE OR TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute(CHAIN_ONLY)
    op.create_index(
        "ix_audit_events_unchained",
        "audit_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("seq IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_unchained", table_name="audit_events")
    op.execute("DROP TRIGGER audit_events_chain_only ON audit_events")
    op.execute("DROP FUNCTION audit_events_chain_only()")
    op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
    op.execute(
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON "
        "audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )
    op.drop_constraint(op.f("uq_audit_events_seq"), "audit_events", type_="unique")
    op.drop_column("audit_events", "seq")
