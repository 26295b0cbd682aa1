"""A report as the reporter gave it, and the PIN that lets them follow it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from takedown.db.base import Base, utcnow


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reporter_role: Mapped[str] = mapped_column(String(40))
    minor_depicted: Mapped[str] = mapped_column(String(10))
    age_at_time: Mapped[int | None] = mapped_column(Integer)
    law_enforcement_case_number: Mapped[str | None] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str | None] = mapped_column(String(320))
    content_refs: Mapped[list[str]] = mapped_column(JSONB)
    channel: Mapped[str] = mapped_column(String(20), default="api")
    pin_hash: Mapped[str] = mapped_column(String(200))
    # HMAC(secret_key, case number + PIN): one indexed lookup per status check.
    pin_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    # HMAC of the client's address (never the address): rate limits and attribution.
    client_key: Mapped[str | None] = mapped_column(String(64), index=True)
    trust: Mapped[str] = mapped_column(String(20), default="bare", server_default="bare")
    # What automatic protection did for this report: restricted, limited, burst, none.
    protection: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    # The content items this report named (ids), as resolved when it arrived.
    item_ids: Mapped[list[int]] = mapped_column(JSONB, default=list, server_default="[]")
    # Copies by other authors it may hold (None: no limit), kept for the later second look.
    copies_allowed: Mapped[int | None] = mapped_column(Integer)
    unresolved_refs: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    # "I don't have a link": where the reporter saw it, in their words.
    where_seen: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The language the reporter used: messages to them are written in it.
    locale: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The proof of work held (or none was asked): content attached later may be hidden.
    proven: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
