"""The reviewer's picture of a case, as plain data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, exchanges
from takedown.cases import timeline
from takedown.cases.appeals import appeals_of
from takedown.cases.models import Case, CaseItem, Report
from takedown.cases.service import decisions_of, get_case, items_of, updates_of
from takedown.errors import NotFound
from takedown.people import User
from takedown.platforms import ContentItem, get_account


def find_case(session: Session, ref: str) -> Case:
    if ref.isascii() and ref.isdigit() and len(ref) < 10:
        return get_case(session, int(ref))
    case = session.scalar(select(Case).where(Case.number == ref.upper()))
    if case is None:
        raise NotFound(f"No case {ref}.")
    return case


def item_media(session: Session, case: Case, content_id: int) -> tuple[str, str] | None:
    """(media_url, media_type) of one item of this case, or None (no such item, no URL)."""
    row = session.execute(
        select(ContentItem.media_url, ContentItem.media_type)
        .join(CaseItem, CaseItem.content_id == ContentItem.id)
        .where(CaseItem.case_id == case.id, ContentItem.id == content_id)
    ).first()
    if row is None or not row[0]:
        return None
    return row[0], row[1]


def case_summary(case: Case) -> dict[str, object]:
    return {
        "id": case.id,
        "number": case.number,
        "priority": case.priority,
        "state": case.state,
        "escalated": case.escalated,
        "reports": case.report_count,
        "first_report_at": case.first_report_at,
        "deadline_at": case.deadline_at,
        "restricted_at": case.restricted_at,
        "decided_at": case.decided_at,
        "category": case.category,
        "queue": case.queue,
        "needs_specialist": case.needs_specialist,
        "credibility": case.credibility,
        "round": case.round,
        "burst_id": case.burst_id,
    }


def account_history(session: Session, account_id: int, exclude_case: int) -> list[str]:
    """Numbers of the other cases that hold this account's content."""
    rows = session.scalars(
        select(Case.number)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .join(ContentItem, ContentItem.id == CaseItem.content_id)
        .where(ContentItem.author_id == account_id, Case.id != exclude_case)
        .distinct()
    )
    return sorted(rows)


def uploaders(session: Session, case: Case) -> list[dict[str, object]]:
    """The accounts behind every item of a case, with their other cases, for the reviewer
    to act on."""
    seen: dict[int, dict[str, object]] = {}
    posted: dict[int, list[dict[str, object]]] = {}
    for ci, item in items_of(session, case):
        account = get_account(session, item.author_id)
        if account.id not in seen:
            posted[account.id] = []
            seen[account.id] = {
                "id": account.id,
                "account_id": account.external_id,
                "handle": account.handle,
                "state": account.state,
                "items": posted[account.id],
                "other_cases": account_history(session, account.id, case.id),
            }
        posted[account.id].append(
            {"content_id": item.external_id, "reason": ci.reason, "state": ci.state}
        )
    return list(seen.values())


def case_detail(session: Session, case: Case, viewer: User) -> dict[str, object]:
    """Everything a reviewer needs; the viewing itself is audited."""
    audit.record(
        session,
        "case.viewed",
        actor=f"user:{viewer.username}",
        subject_type="case",
        subject_id=case.id,
    )
    reports = session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id))
    return {
        **case_summary(case),
        "reports": [
            {
                "id": r.id,
                "trust": r.trust,
                "protection": r.protection,
                "item_ids": r.item_ids,
                "unresolved_refs": r.unresolved_refs,
                "reporter_role": r.reporter_role,
                "minor_depicted": r.minor_depicted,
                "age_at_time": r.age_at_time,
                "statement": r.statement,
                "law_enforcement_case_number": r.law_enforcement_case_number,
                "contact": bool(r.contact),
                "content": r.content_refs,
                "where_seen": r.where_seen,
                "withdrawn_at": r.withdrawn_at,
                "replies": [
                    {"text": u.message, "at": u.created_at}
                    for u in updates_of(session, case, r.id)
                    if u.kind == "reply"
                ],
                "created_at": r.created_at,
            }
            for r in reports
        ],
        "items": [
            {
                "id": item.id,
                "content_id": item.external_id,
                "media_type": item.media_type,
                "media_url": item.media_url,
                "url": item.url,
                "reposts_at_join": ci.reposts_at_join,
                "reason": ci.reason,
                "state": ci.state,
                "report_id": ci.report_id,
                "source_id": ci.source_id,
                "match_distance": ci.match_distance,
                "needs_look": ci.needs_look,
                "hidden_by_report_id": ci.hidden_by_report_id,
                "added_at": ci.added_at,
                "visibility": item.visibility,
                "author": get_account(session, item.author_id).external_id,
                "repost_of_id": item.repost_of_id,
                "views": item.view_count,
                "views_at_join": ci.views_at_join,
                "reposts": item.repost_count,
            }
            for ci, item in items_of(session, case)
        ],
        "accounts": uploaders(session, case),
        "appeals": [
            {"kind": a.kind, "state": a.state, "statement": a.statement, "at": a.created_at}
            for a in appeals_of(session, case)
        ],
        "decisions": [
            {
                "outcome": d.outcome,
                "reviewer_id": d.reviewer_id,
                "reason": d.reason,
                "category": d.category,
                "round": d.round,
                "content_ids": d.content_ids,
                "at": d.created_at,
            }
            for d in decisions_of(session, case)
        ],
        "exchange_calls": _exchange_calls(session, case),
        "timeline": [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "label": timeline.label(e.action),
                "who": timeline.actor_label(e.actor),
            }
            for e in audit.events_for(session, "case", case.id)
        ],
    }


def _exchange_calls(session: Session, case: Case) -> list[dict[str, object]]:
    """Feedback owed to hash exchanges for this case's matches, and hashes shared back."""
    return exchanges.for_case(session, case.id)
