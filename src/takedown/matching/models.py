"""Banks of known hashes, and the fingerprints of every media item on the platform.

Both carry `txid`, the writing transaction (set by a trigger), so every process can follow
exactly what committed since it last looked (see sync.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from takedown.db import Base, utcnow


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id; written only by the `set_txid` trigger."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


# Let reflection (Alembic's autogenerate check) know the type too.
ischema_names["xid8"] = Xid8


class Bank(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    action: Mapped[str] = mapped_column(String(20))  # block, review
    pdq_threshold: Mapped[int] = mapped_column(Integer, default=31)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(100), default="local")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BankEntry(Base):
    __tablename__ = "bank_entries"
    __table_args__ = (
        UniqueConstraint("bank_id", "signal", "value"),
        Index("ix_bank_entries_txid", "txid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    signal: Mapped[str] = mapped_column(String(10))  # pdq, md5, sha256
    value: Mapped[bytes] = mapped_column(LargeBinary)
    entry_id: Mapped[str | None] = mapped_column(String(200))
    classification: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who disabled it: `exchange` (its exchange withdrew it), `curator`, `quarantine`.
    disabled_by: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    txid: Mapped[int | None] = mapped_column(Xid8())


class MediaHash(Base):
    """One fingerprint of one platform content item: md5, sha256, an image PDQ or a frame's."""

    __tablename__ = "media_hashes"
    __table_args__ = (Index("ix_media_hashes_txid", "txid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    signal: Mapped[str] = mapped_column(String(10))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    quality: Mapped[int | None] = mapped_column(Integer)
    # The 8 orientations' hashes (8 x 32 bytes), to look for mirrored or rotated copies later.
    orientations: Mapped[bytes | None] = mapped_column(LargeBinary)
    timestamp_s: Mapped[float | None] = mapped_column(Float)
    txid: Mapped[int | None] = mapped_column(Xid8())
