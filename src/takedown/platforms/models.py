"""The platform's side: its API client, its accounts and its content, mirrored here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from takedown.db import Base, utcnow

SCOPES = ("content", "check", "appeals", "flagger")


class Platform(Base):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str] = mapped_column(String(100))
    # Hosts of the links its content was registered with: a link resolves only here.
    hosts: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """A platform's API key, scoped and revocable; only its digest is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[list[str]] = mapped_column(JSONB, default=list)
    created_by: Mapped[str] = mapped_column(String(100), default="cli")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(200), index=True)  # console search
    handle: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(20), default="active")
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ContentItem(Base):
    __tablename__ = "content_items"
    __table_args__ = (UniqueConstraint("platform_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(200), index=True)  # console search
    url: Mapped[str | None] = mapped_column(Text, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    media_type: Mapped[str] = mapped_column(String(20), default="video")
    media_url: Mapped[str | None] = mapped_column(Text)
    repost_of_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"), index=True)
    # The first item of the repost chain, so a whole family is one indexed lookup.
    root_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    monetised: Mapped[bool] = mapped_column(Boolean, default=True)
    shareable: Mapped[bool] = mapped_column(Boolean, default=True)
    view_count: Mapped[int] = mapped_column(BigInteger, default=0)
    repost_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Read only, and only where loaded with the item (resolve_refs: acting on it follows);
    # anywhere else, get_account and get_platform.
    author: Mapped[Account] = relationship(viewonly=True, lazy="raise")
    platform: Mapped[Platform] = relationship(viewonly=True, lazy="raise")
