"""hash exchanges feeding banks, their provenance and outbox; bank hygiene (who disabled an
entry, flood hits and quarantines)

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-01 19:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bank_entries", sa.Column("disabled_by", sa.String(length=20), nullable=True))
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("api", sa.String(length=40), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("config", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=True),
        sa.Column("credentials_file", sa.String(length=500), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("send_feedback", sa.Boolean(), nullable=False),
        sa.Column("share_back", sa.Boolean(), nullable=False),
        sa.Column("checkpoint", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("checkpoint_ts", sa.BigInteger(), nullable=True),
        sa.Column("fetched_items", sa.BigInteger(), nullable=False),
        sa.Column("running_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetch_complete_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetch_succeeded", sa.Boolean(), nullable=True),
        sa.Column("up_to_date", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], name=op.f("fk_exchanges_bank_id_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
        sa.UniqueConstraint("name", name=op.f("uq_exchanges_name")),
    )
    op.create_index(op.f("ix_exchanges_bank_id"), "exchanges", ["bank_id"], unique=False)
    op.create_table(
        "exchange_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("signal", sa.String(length=10), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("meta", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_exchange_items_exchange_id_exchanges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_items")),
        sa.UniqueConstraint(
            "exchange_id", "key", "signal", name=op.f("uq_exchange_items_exchange_id")
        ),
    )
    op.create_index(
        "ix_exchange_items_value",
        "exchange_items",
        ["exchange_id", "signal", "value"],
        unique=False,
    )
    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("signal", sa.String(length=10), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=True),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_item_id", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_exchange_outbox_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_exchange_outbox_exchange_id_exchanges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint(
            "exchange_id",
            "kind",
            "signal",
            "value",
            "case_item_id",
            "verdict",
            name=op.f("uq_exchange_outbox_exchange_id"),
        ),
    )
    op.create_index(
        op.f("ix_exchange_outbox_case_id"), "exchange_outbox", ["case_id"], unique=False
    )

    op.create_table(
        "bank_entry_hits",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("bank_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_entry_id"],
            ["bank_entries.id"],
            name=op.f("fk_bank_entry_hits_bank_entry_id_bank_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content_items.id"],
            name=op.f("fk_bank_entry_hits_content_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entry_hits")),
        sa.UniqueConstraint(
            "bank_entry_id", "content_id", name=op.f("uq_bank_entry_hits_bank_entry_id")
        ),
    )
    op.create_index(
        op.f("ix_bank_entry_hits_bank_entry_id"), "bank_entry_hits", ["bank_entry_id"], unique=False
    )
    op.create_table(
        "bank_quarantines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_entry_id"],
            ["bank_entries.id"],
            name=op.f("fk_bank_quarantines_bank_entry_id_bank_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_quarantines")),
    )
    op.create_index(
        op.f("ix_bank_quarantines_bank_entry_id"),
        "bank_quarantines",
        ["bank_entry_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_quarantines_bank_entry_id"), table_name="bank_quarantines")
    op.drop_table("bank_quarantines")
    op.drop_index(op.f("ix_bank_entry_hits_bank_entry_id"), table_name="bank_entry_hits")
    op.drop_table("bank_entry_hits")
    op.drop_index(op.f("ix_exchange_outbox_case_id"), table_name="exchange_outbox")
    op.drop_table("exchange_outbox")
    op.drop_index("ix_exchange_items_value", table_name="exchange_items")
    op.drop_table("exchange_items")
    op.drop_index(op.f("ix_exchanges_bank_id"), table_name="exchanges")
    op.drop_table("exchanges")
    op.drop_column("bank_entries", "disabled_by")
