"""Platform clients, their accounts and content, mirrored from the platform's API calls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, contains_eager

from takedown import audit
from takedown.db import utcnow
from takedown.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from takedown.platforms.errors import UnknownContent, UnknownRepostTarget
from takedown.platforms.keys import digest, new_api_key, new_webhook_secret
from takedown.platforms.models import SCOPES, Account, ApiKey, ContentItem, Platform

KEY_TOUCH_EVERY = timedelta(minutes=1)


@dataclass
class NewPlatform:
    platform: Platform
    api_key: str


@dataclass
class NewKey:
    key: ApiKey
    secret: str  # shown once


def create_platform(session: Session, name: str, webhook_url: str | None) -> NewPlatform:
    """Register a platform with a first key (all scopes); the key is returned once."""
    if session.scalar(select(Platform.id).where(Platform.name == name)) is not None:
        raise Conflict(f"A platform named {name!r} exists already.", field="name")
    platform = Platform(name=name, webhook_url=webhook_url, webhook_secret=new_webhook_secret())
    session.add(platform)
    session.flush()
    return NewPlatform(platform, create_key(session, platform, "initial", list(SCOPES)).secret)


def create_key(
    session: Session, platform: Platform, name: str, scopes: list[str], created_by: str = "cli"
) -> NewKey:
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise InvalidInput(f"scopes must be among {', '.join(SCOPES)}", field="scopes")
    secret = new_api_key("tdp")
    key = ApiKey(
        platform_id=platform.id,
        name=name,
        key_hash=digest(secret),
        prefix=secret[:8],
        scopes=scopes,
        created_by=created_by,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        "api_key.created",
        actor=created_by,
        subject_type="platform",
        subject_id=platform.id,
        data={"key": key.prefix, "scopes": scopes},
    )
    return NewKey(key, secret)


def revoke_key(session: Session, key_id: int, revoked_by: str) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            session,
            "api_key.revoked",
            actor=revoked_by,
            subject_type="platform",
            subject_id=key.platform_id,
            data={"key": key.prefix},
        )
    return key


def keys(session: Session) -> list[tuple[ApiKey, Platform]]:
    rows = session.execute(
        select(ApiKey, Platform)
        .join(Platform, Platform.id == ApiKey.platform_id)
        .order_by(Platform.name, ApiKey.id)
    )
    return [(k, p) for k, p in rows]


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).order_by(Platform.name)))


def set_webhook_url(session: Session, platform_id: int, url: str | None) -> Platform:
    platform = get_platform(session, platform_id)
    platform.webhook_url = url
    return platform


def authenticate(session: Session, api_key: str | None, scope: str = "content") -> Platform:
    """The platform behind a live key that carries `scope`."""
    key = api_key and session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(api_key)))
    if not key or key.revoked_at is not None:
        raise Unauthorized("A valid platform API key is required (Authorization: Bearer ...).")
    if scope not in key.scopes:
        raise Forbidden(f"This API key lacks the {scope!r} scope.")
    now = utcnow()
    # Once a minute at most: every call writing one row made all of a platform's calls
    # wait on each other.
    if key.last_used_at is None or now - key.last_used_at > KEY_TOUCH_EVERY:
        key.last_used_at = now
    return get_platform(session, key.platform_id)


def account(session: Session, platform: Platform, external_id: str, handle: str | None) -> Account:
    found = session.scalar(
        select(Account).where(
            Account.platform_id == platform.id, Account.external_id == external_id
        )
    )
    if found:
        return found
    found = Account(platform_id=platform.id, external_id=external_id, handle=handle)
    session.add(found)
    session.flush()
    return found


@dataclass
class ContentIn:
    external_id: str
    author_id: str
    author_handle: str | None = None
    url: str | None = None
    media_type: str = "video"
    media_url: str | None = None
    repost_of: str | None = None


def register_content(session: Session, platform: Platform, data: ContentIn) -> ContentItem:
    """Mirror one content item; a known id returns the existing item unchanged (idempotent)."""
    existing = by_external_id(session, platform.id, data.external_id)
    if existing:
        return existing
    parent = None
    if data.repost_of:
        parent = by_external_id(session, platform.id, data.repost_of)
        if parent is None:
            raise UnknownRepostTarget(
                f"repost_of {data.repost_of!r} is not a registered content item",
                field="repost_of",
            )
    author = account(session, platform, data.author_id, data.author_handle)
    url = _normal_url(data.url)
    _record_host(session, platform, url)
    item = ContentItem(
        platform_id=platform.id,
        external_id=data.external_id,
        url=url,
        author_id=author.id,
        media_type=data.media_type,
        media_url=data.media_url,
        repost_of_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
    )
    session.add(item)
    session.flush()
    if parent is None:
        item.root_id = item.id
    else:
        _count_repost(session, parent)
    return item


def _count_repost(session: Session, parent: ContentItem) -> None:
    ids = {parent.id, parent.root_id}
    session.execute(
        update(ContentItem)
        .where(ContentItem.id.in_(ids))
        .values(repost_count=ContentItem.repost_count + 1)
    )


def by_external_id(session: Session, platform_id: int, external_id: str) -> ContentItem | None:
    return session.scalar(
        select(ContentItem).where(
            ContentItem.platform_id == platform_id, ContentItem.external_id == external_id
        )
    )


def content_for_platform(session: Session, platform: Platform, external_id: str) -> ContentItem:
    item = by_external_id(session, platform.id, external_id)
    if item is None:
        raise UnknownContent(f"No content with id {external_id!r}.", field="content_id")
    return item


def add_views(session: Session, item: ContentItem, count: int) -> ContentItem:
    session.execute(
        update(ContentItem)
        .where(ContentItem.id == item.id)
        .values(view_count=ContentItem.view_count + count)
    )
    session.refresh(item)
    return item


def family(session: Session, item: ContentItem) -> list[ContentItem]:
    """The original and every repost whose chain leads to it, in creation order."""
    return list(session.scalars(_FAMILY, {"root": item.root_id or item.id}))


_FAMILY = (
    select(ContentItem).where(ContentItem.root_id == bindparam("root")).order_by(ContentItem.id)
)


@dataclass
class Resolution:
    """What a reporter's refs named: items found, refs naming nothing, and refs that could
    name items on several platforms (a person decides those)."""

    items: list[ContentItem]
    missing: list[str]
    ambiguous: list[str]


def resolve_refs(session: Session, refs: list[str]) -> Resolution:
    """Match what a reporter typed (ids or links) to content, never across platforms."""
    found: dict[int, ContentItem] = {}
    resolution = Resolution(items=[], missing=[], ambiguous=[])
    for ref in refs:
        candidates = _candidates(session, ref.strip())
        if len(candidates) == 1:
            found[candidates[0].id] = candidates[0]
        elif candidates:
            resolution.ambiguous.append(ref)
        else:
            resolution.missing.append(ref)
    resolution.items = list(found.values())
    return resolution


def _candidates(session: Session, ref: str) -> list[ContentItem]:
    """At most two items a ref may name: one is a match, two are ambiguous. A link names
    the item registered with it, or else the item with its last segment as id on a
    platform that serves that host; a bare id names an item on any platform."""
    if not ref or "\x00" in ref:
        return []
    url = _normal_url(with_scheme(ref))
    if url is None:
        return list(session.scalars(_BY_ID, {"ref": ref}))
    by_url = list(session.scalars(_BY_URL, {"url": url}))
    if by_url:
        return by_url
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if not parts.netloc or not last:
        return []
    return list(session.scalars(_ON_HOST, {"ref": last, "host": [parts.netloc]}))


def _first_two(*where: ColumnElement[bool]) -> Select[ContentItem]:
    """With each item, its author and platform, which acting on it needs next (no query of
    their own then). Built once: every report runs these."""
    return (
        select(ContentItem)
        .join(Account, Account.id == ContentItem.author_id)
        .join(Platform, Platform.id == ContentItem.platform_id)
        .options(contains_eager(ContentItem.author), contains_eager(ContentItem.platform))
        .where(*where)
        .order_by(ContentItem.id)
        .limit(2)
    )


_BY_ID = _first_two(ContentItem.external_id == bindparam("ref"))
_BY_URL = _first_two(ContentItem.url == bindparam("url"))
_ON_HOST = _first_two(
    ContentItem.external_id == bindparam("ref"),
    Platform.hosts.contains(bindparam("host", type_=JSONB)),
)


HOST_LIKE = re.compile(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(/\S*)?$", re.IGNORECASE)


def with_scheme(ref: str) -> str:
    """A link typed without its scheme (`example.social/p/1`) as https; anything else as is."""
    ref = ref.strip()
    if "://" not in ref and HOST_LIKE.match(ref) and "/" in ref:
        return f"https://{ref}"
    return ref


def host_of(ref: str) -> str:
    """The host a reporter's ref names, lower-case; "" for an id or a username."""
    url = _normal_url(with_scheme(ref))
    return urlsplit(url).netloc if url else ""


def _record_host(session: Session, platform: Platform, url: str | None) -> None:
    """The platform serves this URL's host: links on it may name its items by id."""
    host = urlsplit(url).netloc if url else ""
    if not host or host in (platform.hosts or []):
        return
    session.execute(
        update(Platform)
        .where(Platform.id == platform.id, ~Platform.hosts.contains([host]))
        .values(hosts=Platform.hosts.op("||", return_type=JSONB)(func.jsonb_build_array(host)))
        .execution_options(synchronize_session=False)
    )
    session.expire(platform, ["hosts"])


def _normal_url(url: str | None) -> str | None:
    """scheme://host/path?query, the scheme and host lower-case and no trailing slash or
    fragment; None for what is not a link (or a malformed one)."""
    if not url or "://" not in url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}{query}"


def get_account(session: Session, account_id: int) -> Account:
    acc = session.get(Account, account_id)
    assert acc is not None
    return acc


def get_platform(session: Session, platform_id: int) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFound(f"No platform {platform_id}.", field="platform_id")
    return platform
