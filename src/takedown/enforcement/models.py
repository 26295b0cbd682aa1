"""What was done on the platform, and every webhook that told it so."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db import Base, utcnow


class Action(Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # restrict, remove, restore, suspend
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# A delivery's states: `pending` (to be sent, or being sent), `delivered`, `superseded` (a
# newer state of its item exists: never sent after it) and `dead` (given up after
# webhook_max_attempts; listed and redriven by hand, alerted once per incident).
PENDING, DELIVERED, SUPERSEDED, DEAD = "pending", "delivered", "superseded", "dead"
DELIVERY_STATES = (PENDING, DELIVERED, SUPERSEDED, DEAD)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The item's deliveries in `action_id` order: the order they may be sent in.
        Index("ix_webhook_deliveries_item", "platform_id", "item_key", "action_id"),
        # What is due an attempt: every worker polls it (enforcement.tasks.Attempts).
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    # What the event is about: `content:<id>` or `account:<id>` (our ids). One item's
    # deliveries go out one at a time, oldest action first.
    item_key: Mapped[str] = mapped_column(String(60))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, object]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Kinds of delivery incident: a platform has dead deliveries; its oldest pending delivery
# is older than webhook_backlog_alert_minutes.
DEAD_INCIDENT, BACKLOG_INCIDENT = "dead", "backlog"


class WebhookIncident(Base):
    """One trouble with a platform's webhooks, alerted once: open until it is over (no dead
    delivery left; the backlog drained), then the next trouble is a new incident."""

    __tablename__ = "webhook_incidents"
    __table_args__ = (
        Index(
            "uq_webhook_incidents_open",
            "platform_id",
            "kind",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    kind: Mapped[str] = mapped_column(String(20))
    first_delivery_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
