"""Everything the legal duties need to know about one case, read once through its rooms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import cases
from takedown.cases import Case, CaseItem, Decision, Report
from takedown.matching import stored_query
from takedown.platforms import Account, ContentItem, get_account, get_platform


@dataclass
class Media:
    """One file: the item that carries it and every case item that shows it."""

    media_id: int
    root: ContentItem
    media_type: str
    created_at: datetime
    md5: str | None
    sha256: str | None
    public: bool
    items: list[ContentItem] = field(default_factory=list)


@dataclass
class CaseFacts:
    case: Case
    platform_name: str
    reports: list[Report]
    items: list[tuple[CaseItem, ContentItem]]
    accounts: dict[int, Account]
    media: list[Media]
    decision: Decision | None

    @property
    def category(self) -> str | None:
        return self.decision.category if self.decision else self.case.category

    @property
    def le_case_numbers(self) -> list[str]:
        numbers = (r.law_enforcement_case_number for r in self.reports)
        return list(dict.fromkeys(n for n in numbers if n))

    def first_upload(self) -> datetime:
        return min(item.created_at for _, item in self.items)


def gather(session: Session, case: Case) -> CaseFacts:
    """Only confirmed items, and the accounts behind them: nobody is named to NCMEC or in
    the evidence for content a reviewer did not confirm."""
    items = cases.items_of(session, case, ("confirmed",))
    confirmed = {ci.content_id for ci, _ in items}
    # Only reports about confirmed content speak for the case: a police number or a victim
    # entry from a report that also named unconfirmed content is never sent on.
    reports = [
        r
        for r in session.scalars(
            select(Report).where(Report.case_id == case.id).order_by(Report.id)
        )
        if set(r.item_ids or []) <= confirmed
    ]
    accounts = {item.author_id: get_account(session, item.author_id) for _, item in items}
    platform = get_platform(session, items[0][1].platform_id) if items else None
    return CaseFacts(
        case=case,
        platform_name=platform.name if platform else "",
        reports=reports,
        items=items,
        accounts=accounts,
        media=_media(session, [item for _, item in items]),
        decision=latest_confirmation(session, case.id),
    )


def latest_confirmation(session: Session, case_id: int) -> Decision | None:
    return session.scalar(
        select(Decision)
        .where(Decision.case_id == case_id, Decision.outcome == "confirm")
        .order_by(Decision.id.desc())
        .limit(1)
    )


def was_public(item: ContentItem) -> bool:
    """Shown to the public at some point: it still is, or it was viewed or reposted.

    Takedown does not store every visibility change, so an item blocked at upload and
    never seen counts as not public; one restricted before anyone saw it does too."""
    return item.visibility == "public" or item.view_count > 0 or item.repost_count > 0


def _media(session: Session, items: list[ContentItem]) -> list[Media]:
    """Group items by the file they carry: a repost shows its original's file."""
    groups: dict[int, Media] = {}
    by_id = {item.id: item for item in items}
    for item in items:
        media_id = item.root_id or item.id
        if media_id not in groups:
            root = by_id.get(media_id) or session.get(ContentItem, media_id) or item
            query = stored_query(session, media_id)
            groups[media_id] = Media(
                media_id=media_id,
                root=root,
                media_type=root.media_type,
                created_at=root.created_at,
                md5=query.md5.hex() if query.md5 else None,
                sha256=query.sha256.hex() if query.sha256 else None,
                public=False,
            )
        group = groups[media_id]
        group.items.append(item)
        group.public = group.public or was_public(item)
    return list(groups.values())
