"""Find cases by case number, content id or link, account id or handle, or a media hash
(MD5, SHA-256 or PDQ, hex). A read model: it reads the content and hash tables, never writes."""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from takedown.cases.models import Case, CaseItem
from takedown.matching import MediaHash
from takedown.platforms import Account, ContentItem

CASE_NUMBER = re.compile(r"TD-[A-Z0-9]{4}-[A-Z0-9]{4}")
HEX = re.compile(r"(?:[0-9a-f]{32}|[0-9a-f]{64})")
MAX_QUERY = 500
LIMIT = 50


def search(session: Session, text: str, queues: list[str]) -> list[Case]:
    """Cases in these queues that match, newest first (at most 50)."""
    q = text.strip()[:MAX_QUERY]
    if not q or "\x00" in q:  # PostgreSQL text holds no NUL: nothing can match it
        return []
    content = _content_ids(session, q)
    query = select(Case).where(Case.queue.in_(queues))
    matches = [Case.number == q.upper()]
    if content is not None:
        matches.append(Case.id.in_(content))
    query = query.where(or_(*matches)).order_by(Case.id.desc()).limit(LIMIT)
    return list(session.scalars(query))


def _content_ids(session: Session, q: str):
    """A query of the ids of cases holding content this text names, or None."""
    if CASE_NUMBER.fullmatch(q.upper()):
        return None
    authors = select(Account.id).where(or_(Account.external_id == q, Account.handle == q))
    items = select(ContentItem.id).where(
        or_(ContentItem.external_id == q, ContentItem.url == q, ContentItem.author_id.in_(authors))
    )
    named = or_(CaseItem.content_id.in_(items))
    if HEX.fullmatch(q.lower()):
        hashed = select(MediaHash.content_id).where(MediaHash.value == bytes.fromhex(q.lower()))
        named = or_(named, CaseItem.content_id.in_(hashed))
    return select(CaseItem.case_id).where(named)
