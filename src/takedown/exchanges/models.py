"""Hash exchanges (NCMEC, StopNCII, TCAP, a local file) that feed banks, what each fed, and
what Takedown owes them back (feedback on a match, hashes shared back).

No credential is stored here: an exchange names the file its credentials are read from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db import Base, utcnow


class Exchange(Base):
    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    api: Mapped[str] = mapped_column(String(40))  # ncmec, stop_ncii, tat, local_file
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    # The collaboration config threatexchange's API takes (never a secret).
    config: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict)
    # Set by an operator on the command line only (a test server, a proxy); never over HTTP.
    base_url: Mapped[str | None] = mapped_column(String(500))
    credentials_file: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    send_feedback: Mapped[bool] = mapped_column(Boolean, default=True)
    share_back: Mapped[bool] = mapped_column(Boolean, default=False)
    checkpoint: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    checkpoint_ts: Mapped[int | None] = mapped_column(BigInteger)
    fetched_items: Mapped[int] = mapped_column(BigInteger, default=0)
    running_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_fetch_complete_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_fetch_succeeded: Mapped[bool | None] = mapped_column(Boolean)
    up_to_date: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExchangeItem(Base):
    """One hash an exchange gave under one of its keys (an NCMEC entry, a StopNCII hash):
    the provenance of a bank entry, and what feedback needs to name it to the exchange."""

    __tablename__ = "exchange_items"
    __table_args__ = (
        UniqueConstraint("exchange_id", "key", "signal"),
        Index("ix_exchange_items_value", "exchange_id", "signal", "value"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))
    signal: Mapped[str] = mapped_column(String(10))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict)


class ExchangeOutbox(Base):
    """A call owed to an exchange: feedback on a decided match, or a hash shared back.
    Sent by a durable job, retried with back-off until `sent` or `failed`."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (
        UniqueConstraint("exchange_id", "kind", "signal", "value", "case_item_id", "verdict"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # feedback, share
    signal: Mapped[str] = mapped_column(String(10))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    key: Mapped[str | None] = mapped_column(String(300))
    verdict: Mapped[str] = mapped_column(String(20))  # confirmed, dismissed
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    case_item_id: Mapped[int] = mapped_column(BigInteger, default=0)
    actor: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BankEntryHit(Base):
    """A bank entry matched a distinct content item (bank hygiene: the flood count)."""

    __tablename__ = "bank_entry_hits"
    __table_args__ = (UniqueConstraint("bank_entry_id", "content_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bank_entry_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True
    )
    content_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Quarantine(Base):
    """A bank entry that matched too many distinct items too fast: it stopped acting and
    waits for a supervisor, who releases it (it acts again) or keeps it disabled."""

    __tablename__ = "bank_quarantines"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_entry_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, released, kept
    hits: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
