"""ordered webhook delivery per item, dead letters, delivery incidents

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhook_deliveries", sa.Column("item_key", sa.String(length=60), nullable=True))
    op.add_column(
        "webhook_deliveries", sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Each delivery's item, from its action; one without an action is an item of its own.
    op.execute(
        """
        UPDATE webhook_deliveries AS d
        SET item_key = CASE
            WHEN a.content_id IS NOT NULL THEN 'content:' || a.content_id
            WHEN a.account_id IS NOT NULL THEN 'account:' || a.account_id
            ELSE 'message:' || d.message_id
        END
        FROM actions AS a
        WHERE a.id = d.action_id
        """
    )
    op.execute(
        "UPDATE webhook_deliveries SET item_key = 'message:' || message_id WHERE item_key IS NULL"
    )
    op.alter_column("webhook_deliveries", "item_key", nullable=False)
    # "failed" was a silent end; it is now a dead letter, listed and redriven.
    op.execute(
        "UPDATE webhook_deliveries SET status = 'dead', dead_at = coalesce(next_attempt_at, "
        "created_at) WHERE status = 'failed'"
    )
    op.create_index(
        "ix_webhook_deliveries_item",
        "webhook_deliveries",
        ["platform_id", "item_key", "action_id"],
        unique=False,
    )
    op.create_table(
        "webhook_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("first_delivery_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_webhook_incidents_platform_id_platforms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_incidents")),
    )
    op.create_index(
        "uq_webhook_incidents_open",
        "webhook_incidents",
        ["platform_id", "kind"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_webhook_incidents_open", table_name="webhook_incidents")
    op.drop_table("webhook_incidents")
    op.drop_index("ix_webhook_deliveries_item", table_name="webhook_deliveries")
    op.execute("UPDATE webhook_deliveries SET status = 'failed' WHERE status = 'dead'")
    op.drop_column("webhook_deliveries", "dead_at")
    op.drop_column("webhook_deliveries", "item_key")
