"""Cases: opening and joining, their content, the decisions and what each party may see."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, enforcement, matching
from takedown.cases.errors import (
    CaseClosed,
    CategoryRequired,
    ClaimedByOther,
    ReasonRequired,
    SameReviewer,
    SpecialistRequired,
)
from takedown.cases.models import Case, CaseItem, CaseUpdate, Decision
from takedown.db.base import utcnow
from takedown.errors import NotFound
from takedown.matching import MatchEngine
from takedown.people.models import User
from takedown.people.service import SPECIALISTS
from takedown.platforms import ContentItem, family, get_account

PRIORITY_ORDER = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}
ACTIVE = ("open", "restricted", "pending_second_review", "appealed", "rereview")
OUTCOMES = ("confirm", "dismiss", "escalate", "request_info")
CATEGORIES = ("csam_a1", "csam_a2", "csam_b1", "csam_b2", "ncii", "other")
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over a phone


def new_case_number() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"TD-{chars[:4]}-{chars[4:]}"


def higher(a: str, b: str) -> str:
    return a if PRIORITY_ORDER[a] <= PRIORITY_ORDER[b] else b


def case_for_content(session: Session, items: Iterable[ContentItem]) -> Case | None:
    """The case that already holds any of these items or their repost families."""
    roots = {item.root_id or item.id for item in items}
    return session.scalar(
        select(Case)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(ContentItem, ContentItem.id == CaseItem.content_id)
        .where(ContentItem.root_id.in_(roots))
        .order_by(Case.id)
        .limit(1)
    )


def holds_all(session: Session, case: Case, items: Iterable[ContentItem]) -> bool:
    have = set(session.scalars(select(CaseItem.content_id).where(CaseItem.case_id == case.id)))
    return all(item.id in have for item in items)


def open_case(session: Session, priority: str, deadline, queue: str = "general") -> Case:  # type: ignore[no-untyped-def]
    case = Case(
        number=new_case_number(), priority=priority, state="open", deadline_at=deadline, queue=queue
    )
    session.add(case)
    session.flush()
    return case


def add_items(session: Session, case: Case, items: Iterable[ContentItem], reason: str) -> int:
    """Add content to a case (once each); returns how many were new."""
    have = set(session.scalars(select(CaseItem.content_id).where(CaseItem.case_id == case.id)))
    added = 0
    for item in items:
        if item.id in have:
            continue
        session.add(
            CaseItem(
                case_id=case.id,
                content_id=item.id,
                reason=reason,
                views_at_join=item.view_count,
                reposts_at_join=item.repost_count,
            )
        )
        have.add(item.id)
        added += 1
    session.flush()
    return added


def items_of(session: Session, case: Case) -> list[tuple[CaseItem, ContentItem]]:
    rows = session.execute(
        select(CaseItem, ContentItem)
        .join(ContentItem, ContentItem.id == CaseItem.content_id)
        .where(CaseItem.case_id == case.id)
        .order_by(ContentItem.id)
    )
    return [(ci, item) for ci, item in rows]


def tell_reporter(
    session: Session, case: Case, kind: str, message: str, report_id: int | None = None
) -> None:
    session.add(CaseUpdate(case_id=case.id, kind=kind, message=message, report_id=report_id))


def updates_of(session: Session, case: Case, report_id: int | None = None) -> list[CaseUpdate]:
    """What one reporter may read: the case's news, and the messages addressed to them."""
    query = select(CaseUpdate).where(CaseUpdate.case_id == case.id)
    query = query.where((CaseUpdate.report_id.is_(None)) | (CaseUpdate.report_id == report_id))
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


def decide(
    session: Session,
    case_id: int,
    reviewer: User,
    outcome: str,
    reason: str,
    category: str | None = None,
    engine: MatchEngine | None = None,
) -> Case:
    """Record a reviewer's decision and carry it out. P0 dismissals need two reviewers, the
    second at least a child-safety specialist; appeals go to someone who has not decided."""
    if not reason.strip():
        raise ReasonRequired("Every decision needs a reason.", field="reason")
    if engine is not None and outcome == "confirm":
        engine.sync_now()  # before any lock: see every copy committed so far
    case = get_case(session, case_id, lock=True)
    _check_allowed(session, case, reviewer, outcome, category)
    state_before = case.state
    session.add(
        Decision(
            case_id=case.id,
            reviewer_id=reviewer.id,
            outcome=outcome,
            category=category,
            reason=reason,
        )
    )
    audit.record(
        session,
        f"case.{outcome}",
        actor=f"user:{reviewer.username}",
        subject_type="case",
        subject_id=case.id,
        data={"reason": reason, "category": category, "state_before": state_before},
    )
    if state_before == "appealed" and outcome in ("confirm", "dismiss"):
        _decide_appeal(session, case, reviewer, outcome)
        if case.state == "appealed":  # waiting for a second specialist
            session.flush()
            return case
    elif outcome == "confirm":
        _confirm(session, case, reviewer, category, engine)
    elif outcome == "dismiss":
        _dismiss(session, case, reviewer)
    elif outcome == "escalate":
        case.needs_specialist, case.queue = True, "child_safety"
    elif outcome == "request_info":
        case.info_requested_at = utcnow()
    if state_before in ("appealed", "rereview") and outcome in ("confirm", "dismiss"):
        from takedown.cases.appeals import close_appeals

        granted = (state_before == "appealed") == (outcome == "dismiss")
        close_appeals(session, case, "granted" if granted else "rejected", reviewer.id)
    session.flush()
    return case


def _check_allowed(
    session: Session, case: Case, reviewer: User, outcome: str, category: str | None
) -> None:
    if case.state in ("confirmed", "dismissed"):
        raise CaseClosed(f"Case {case.number} is already {case.state}.")
    if outcome not in OUTCOMES:
        raise ReasonRequired(f"decision must be one of {', '.join(OUTCOMES)}", field="decision")
    if outcome == "confirm" and case.state != "appealed" and category not in CATEGORIES:
        raise CategoryRequired(
            f"A confirmation needs a category: {', '.join(CATEGORIES)}", field="category"
        )
    now = utcnow()
    if case.claimed_by_id not in (None, reviewer.id) and (case.claim_expires_at or now) > now:
        raise ClaimedByOther("Another reviewer has claimed this case and is working on it.")
    senior = reviewer.role in SPECIALISTS
    if case.needs_specialist and not senior and outcome != "request_info":
        raise SpecialistRequired("This case was escalated to a child-safety specialist.")
    earlier = decisions_of(session, case)
    if case.state in ("appealed", "rereview") and any(
        d.reviewer_id == reviewer.id for d in earlier
    ):
        raise SameReviewer("Another review must be done by someone who has not decided yet.")
    if outcome == "dismiss" and case.state == "pending_second_review":
        if any(d.reviewer_id == reviewer.id for d in earlier if d.outcome == "dismiss"):
            raise SameReviewer("A second, different reviewer must confirm this dismissal.")
        if not senior:
            raise SpecialistRequired("The second review of a child report needs a specialist.")


def _confirm(
    session: Session, case: Case, reviewer: User, category: str | None, engine: MatchEngine | None
) -> None:
    actor = f"user:{reviewer.username}"
    items = [item for _, item in items_of(session, case)]
    if engine is not None:
        items += _copies(session, engine, case, items)
    for item in _with_families(session, items):
        add_items(session, case, [item], "repost")
        enforcement.remove_content(
            session, item, case_id=case.id, actor=actor, reason="confirmed violation"
        )
    for author_id in _reported_authors(session, case):
        enforcement.suspend_account(
            session,
            get_account(session, author_id),
            case_id=case.id,
            actor=actor,
            reason="posted confirmed violating content",
        )
    matching.bank_content(
        session, [item.id for _, item in items_of(session, case)], case.id, category
    )
    now = utcnow()
    case.state, case.category, case.decided_at, case.removed_at = "confirmed", category, now, now
    tell_reporter(
        session,
        case,
        "confirmed",
        "A reviewer confirmed your report. The content and every repost of it we "
        "found have been removed, and the account that posted it has been suspended.",
    )
    from takedown import legal  # legal builds on cases: imported here to avoid a cycle

    legal.on_confirmed(session, case, category)


def _dismiss(session: Session, case: Case, reviewer: User) -> None:
    restricted = case.restricted_at is not None
    if case.priority == "P0" and case.state != "pending_second_review":
        case.state = "pending_second_review"
        tell_reporter(
            session,
            case,
            "second_review",
            "A reviewer looked at your report. Because it concerns a child, a second, "
            "more senior reviewer must look at it too."
            + (" The content stays hidden until then." if _any_hidden(session, case) else ""),
        )
        return
    if restricted:
        actor = f"user:{reviewer.username}"
        for _, item in items_of(session, case):
            if not _held_elsewhere(session, case, item):
                enforcement.restore_content(
                    session, item, case_id=case.id, actor=actor, reason="dismissed after review"
                )
    case.state, case.decided_at = "dismissed", utcnow()
    reviewers = len({d.reviewer_id for d in decisions_of(session, case)})
    tell_reporter(session, case, "dismissed", _dismissal_message(reviewers))


def _decide_appeal(session: Session, case: Case, reviewer: User, outcome: str) -> None:
    """Rejecting (confirm) keeps the removal. Granting (dismiss) puts back only the item the
    uploader appealed, and for child sexual abuse material only once two different
    specialists have granted it; the rest of the case stays removed."""
    from takedown.cases.appeals import open_appeal

    appeal = open_appeal(session, case)
    if outcome == "confirm" or appeal is None:
        case.state, case.decided_at = "confirmed", utcnow()
        return
    grants = {
        d.reviewer_id
        for d in decisions_of(session, case)
        if d.outcome == "dismiss" and d.created_at >= appeal.created_at
    }
    if (case.category or "").startswith("csam") and len(grants | {reviewer.id}) < 2:
        return  # stays "appealed" until a second, different specialist agrees
    item = session.get(ContentItem, appeal.content_id) if appeal.content_id else None
    if item is not None:
        enforcement.reinstate_content(
            session,
            item,
            case_id=case.id,
            actor=f"user:{reviewer.username}",
            reason="appeal granted",
        )
        matching.unbank_content(session, [item.id])
    case.state, case.decided_at = "confirmed", utcnow()


def _any_hidden(session: Session, case: Case) -> bool:
    return any(item.visibility == "restricted" for _, item in items_of(session, case))


def _held_elsewhere(session: Session, case: Case, item: ContentItem) -> bool:
    """Whether another open case still protects this item (it must stay hidden)."""
    return (
        session.scalar(
            select(Case.id)
            .join(CaseItem, CaseItem.case_id == Case.id)
            .where(
                CaseItem.content_id == item.id,
                Case.id != case.id,
                Case.state.in_(("open", "restricted", "pending_second_review")),
                Case.restricted_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def _dismissal_message(reviewers: int) -> str:
    people = "one reviewer" if reviewers == 1 else f"{reviewers} different reviewers"
    return (
        f"{people.capitalize()} looked at every item in your report, and every repost of it, "
        "and did not take it down this time. This is not the end: if you think we got it "
        "wrong, or you have more information (for example the age of the person shown, or a "
        "police case number), ask for another review by sending a new report about the same "
        "content. It will join this case and a different reviewer will look at it."
    )


def _copies(
    session: Session, engine: MatchEngine, case: Case, items: list[ContentItem]
) -> list[ContentItem]:
    """Copies of the case's media anywhere on the platform, found now."""
    found: list[ContentItem] = []
    for item in items:
        for other in matching.copies_of(session, engine, item):
            if add_items(session, case, [other], "copy"):
                found.append(other)
    return found


def _with_families(session: Session, items: list[ContentItem]) -> list[ContentItem]:
    seen: dict[int, ContentItem] = {}
    for item in items:
        for member in family(session, item):
            seen.setdefault(member.id, member)
    return list(seen.values())


def _reported_authors(session: Session, case: Case) -> set[int]:
    """Who posted the originals of what was reported. Reposters are listed, not suspended."""
    authors: set[int] = set()
    for ci, item in items_of(session, case):
        if ci.reason == "reported":
            root = session.get(ContentItem, item.root_id) if item.root_id else item
            authors.add((root or item).author_id)
    return authors


def queue(
    session: Session, queues: list[str] | None = None, state: str | None = None, limit: int = 100
) -> list[Case]:
    """Open cases in the given queues: P0 first, then the nearest deadline."""
    query = select(Case)
    query = query.where(Case.state == state) if state else query.where(Case.state.in_(ACTIVE))
    if queues is not None:
        query = query.where(Case.queue.in_(queues))
    # "P0" < "P1" < "P2" as strings, so priority sorts in SQL.
    return list(session.scalars(query.order_by(Case.priority, Case.deadline_at).limit(limit)))
