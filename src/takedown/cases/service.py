"""Cases: opening and joining, their content, the decisions and what each party may see."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from takedown.cases.models import Burst, Case, CaseItem, CaseUpdate, Decision, Report
from takedown.db import utcnow
from takedown.errors import NotFound
from takedown.platforms import ContentItem

ACTIVE = ("open", "restricted", "pending_second_review", "appealed", "rereview")
OUTCOMES = ("confirm", "dismiss", "escalate", "request_info")
CATEGORIES = ("csam_a1", "csam_a2", "csam_b1", "csam_b2", "ncii", "other")
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over a phone


def new_case_number() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"TD-{chars[:4]}-{chars[4:]}"


def case_for_content(session: Session, items: Iterable[ContentItem]) -> Case | None:
    """The case that already holds any of these items or their repost families."""
    roots = sorted({item.root_id or item.id for item in items})
    return session.scalar(_CASE_FOR_CONTENT, {"roots": roots})


# Built once, like the other statements every report runs.
_CASE_FOR_CONTENT = (
    select(Case)
    .join(CaseItem, CaseItem.case_id == Case.id)
    .join(ContentItem, ContentItem.id == CaseItem.content_id)
    .where(ContentItem.root_id.in_(bindparam("roots", expanding=True)))
    .order_by(Case.id)
    .limit(1)
)


def holds_all(session: Session, case: Case, items: Iterable[ContentItem]) -> bool:
    have = set(session.scalars(select(CaseItem.content_id).where(CaseItem.case_id == case.id)))
    return all(item.id in have for item in items)


def open_case(
    session: Session,
    priority: str,
    deadline: datetime,
    queue: str = "general",
    credibility: int = 2,
    *,
    flush: bool = True,
) -> Case:
    """A new case; `flush=False`: stored with the caller's next flush (no id until then),
    so what the caller sets on it first is in its INSERT."""
    case = Case(
        number=new_case_number(),
        priority=priority,
        state="open",
        deadline_at=deadline,
        queue=queue,
        credibility=credibility,
        escalated=False,
        report_count=0,
    )
    session.add(case)
    if flush:
        session.flush()
    return case


def add_items(
    session: Session,
    case: Case,
    items: Iterable[ContentItem],
    reason: str,
    *,
    report_id: int | None = None,
    source_id: int | None = None,
    distance: int | None = None,
    needs_look: bool = False,
    state: str = "open",
) -> int:
    """Add content to a case (once each), with where it came from; returns how many were
    new."""
    unique = {item.id: item for item in items}
    if not unique:
        return 0
    now = utcnow()
    rows = [
        {
            "case_id": case.id,
            "content_id": item.id,
            "reason": reason,
            "state": state,
            "report_id": report_id,
            "source_id": source_id,
            "match_distance": distance,
            "needs_look": needs_look,
            "hidden_by_report_id": None,
            "dismissed_before": False,
            "views_at_join": item.view_count,
            "reposts_at_join": item.repost_count,
            "added_at": now,
        }
        for item in unique.values()
    ]
    # One statement: what the case holds already is left as it is.
    added = session.execute(
        insert(CaseItem)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[CaseItem.case_id, CaseItem.content_id])
        .returning(CaseItem.content_id)
    ).all()
    return len(added)


def item_of(session: Session, case: Case, content_id: int) -> CaseItem | None:
    return session.scalar(
        select(CaseItem).where(CaseItem.case_id == case.id, CaseItem.content_id == content_id)
    )


def items_by_content(session: Session, case: Case, content_ids: list[int]) -> dict[int, CaseItem]:
    rows = session.scalars(_ITEMS_BY_CONTENT, {"case_id": case.id, "ids": content_ids})
    return {row.content_id: row for row in rows}


_ITEMS_BY_CONTENT = select(CaseItem).where(
    CaseItem.case_id == bindparam("case_id"),
    CaseItem.content_id.in_(bindparam("ids", expanding=True)),
)


def items_of(
    session: Session, case: Case, states: Iterable[str] | None = None
) -> list[tuple[CaseItem, ContentItem]]:
    if states is None:
        rows = session.execute(_ITEMS_OF, {"case_id": case.id})
    else:
        rows = session.execute(_ITEMS_OF_IN, {"case_id": case.id, "states": list(states)})
    return [(ci, item) for ci, item in rows]


_ITEMS_OF = (
    select(CaseItem, ContentItem)
    .join(ContentItem, ContentItem.id == CaseItem.content_id)
    .where(CaseItem.case_id == bindparam("case_id"))
    .order_by(ContentItem.id)
)
_ITEMS_OF_IN = _ITEMS_OF.where(CaseItem.state.in_(bindparam("states", expanding=True)))


def standing(session: Session, item: ContentItem) -> tuple[Case, CaseItem] | None:
    """The latest case holding this item's repost family, and the family's item in it."""
    root = item.root_id or item.id
    row = session.execute(
        select(Case, CaseItem)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(ContentItem, ContentItem.id == CaseItem.content_id)
        .where(ContentItem.root_id == root)
        .order_by(Case.id.desc(), (CaseItem.content_id == root).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def standings(session: Session, items: Iterable[ContentItem]) -> dict[int, tuple[Case, CaseItem]]:
    """`standing` for many items in one query: repost family root -> (case, item)."""
    roots = {item.root_id or item.id for item in items}
    if not roots:
        return {}
    rows = session.execute(
        select(Case, CaseItem, ContentItem.root_id)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(ContentItem, ContentItem.id == CaseItem.content_id)
        .where(ContentItem.root_id.in_(roots))
        .order_by(Case.id.desc(), (CaseItem.content_id == ContentItem.root_id).desc())
    )
    out: dict[int, tuple[Case, CaseItem]] = {}
    for case, case_item, root in rows:
        if root is not None:  # the filter above: every row has one
            out.setdefault(root, (case, case_item))
    return out


def tell_reporter(
    session: Session, case: Case, kind: str, message: str, report_id: int | None = None
) -> None:
    """A message on the status page of one report, or (report_id None) of each report of
    the case, each on its own."""
    if report_id is not None:
        session.add(CaseUpdate(case_id=case.id, kind=kind, message=message, report_id=report_id))
        return
    for rid in session.scalars(select(Report.id).where(Report.case_id == case.id)):
        session.add(CaseUpdate(case_id=case.id, kind=kind, message=message, report_id=rid))


def updates_of(session: Session, case: Case, report_id: int | None = None) -> list[CaseUpdate]:
    """What one reporter may read: their own thread. News for every reporter is written to
    each report on its own (tell_reporter), so nobody learns who else reported; rows from
    before that (no report) are shown to none."""
    query = select(CaseUpdate).where(
        CaseUpdate.case_id == case.id, CaseUpdate.report_id == report_id
    )
    return list(session.scalars(query.order_by(CaseUpdate.id)))


def get_case(session: Session, case_id: int, *, lock: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id)
    if lock:
        # Re-read under the lock: a case loaded earlier in this session may be stale.
        query = query.with_for_update().execution_options(populate_existing=True)
    case = session.scalar(query)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    return case


def decisions_of(session: Session, case: Case) -> list[Decision]:
    return list(
        session.scalars(select(Decision).where(Decision.case_id == case.id).order_by(Decision.id))
    )


@dataclass
class QueuePage:
    cases: list[Case]
    total: int
    offset: int
    limit: int


def queue(
    session: Session,
    queues: list[str] | None = None,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> QueuePage:
    """Open cases in the given queues: P0 first, credible reports before bare claims, then
    the nearest deadline. Cases of an undecided burst are one supervisor item, not here."""
    query = select(Case)
    query = query.where(Case.state == state) if state else query.where(Case.state.in_(ACTIVE))
    if queues is not None:
        query = query.where(Case.queue.in_(queues))
    open_bursts = select(Burst.id).where(Burst.state == "open")
    query = query.where(Case.burst_id.is_(None) | Case.burst_id.not_in(open_bursts))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # "P0" < "P1" < "P2" as strings, so priority sorts in SQL.
    ordered = query.order_by(Case.priority, Case.credibility, Case.deadline_at, Case.id)
    page = list(session.scalars(ordered.offset(offset).limit(limit)))
    return QueuePage(page, total, offset, limit)
