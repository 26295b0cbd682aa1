"""Reviewers' decisions, item by item: what a confirmation or a dismissal does, and to what.

Confirmation effects (removal, suspension, the confirmed bank, legal duties) follow the
confirmed items and their accounts only. A decision without a selection covers the items
that need no separate look; an item that joined later (another report, a copy by another
author from a bare claim) must be named, after the reviewer has opened the case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, enforcement, events, exchanges, matching
from takedown.cases import states
from takedown.cases.appeals import close_appeals, open_appeal
from takedown.cases.errors import (
    CaseClosed,
    CategoryRequired,
    ClaimedByOther,
    ItemNotInCase,
    ItemNotLookedAt,
    NothingSelected,
    ReasonRequired,
    SameReviewer,
    SpecialistRequired,
)
from takedown.cases.events import CaseConfirmed
from takedown.cases.models import Case, CaseItem, Decision, Report
from takedown.cases.service import (
    CATEGORIES,
    OUTCOMES,
    add_items,
    decisions_of,
    get_case,
    items_of,
    tell_reporter,
)
from takedown.db import utcnow
from takedown.i18n import N_
from takedown.matching import MatchEngine
from takedown.people import SPECIALISTS, User
from takedown.platforms import ContentItem, family, get_account

PROTECTING = states.UNDECIDED
SECOND_LOOK = N_(
    "A reviewer looked at your report. Because it concerns a child, a second, more senior "
    "reviewer must look at it too."
)
SECOND_LOOK_HIDDEN = N_(
    "A reviewer looked at your report. Because it concerns a child, a second, more senior "
    "reviewer must look at it too. The content stays hidden until then."
)
# Ranks (triage's credibility_rank) at which a case rests on more than a bare claim.
CREDIBLE_RANKS = 2


def decide(
    session: Session,
    case_id: int,
    reviewer: User,
    outcome: str,
    reason: str,
    category: str | None = None,
    engine: MatchEngine | None = None,
    *,
    content_ids: list[int] | None = None,
    report_id: int | None = None,
) -> Case:
    """Record a reviewer's decision and carry it out. P0 dismissals need two reviewers per
    item and round, the second at least a child-safety specialist; appeals go to someone
    who has not decided."""
    if not reason.strip():
        raise ReasonRequired("Every decision needs a reason.", field="reason")
    if engine is not None and outcome == "confirm":
        engine.sync_now()  # before any lock: see every copy committed so far
    case = get_case(session, case_id, lock=True)
    _check_allowed(session, case, reviewer, outcome, category)
    state_before = case.state
    if state_before == "appealed" and outcome in ("confirm", "dismiss"):
        _record(session, case, reviewer, outcome, reason, category, None, state_before)
        _decide_appeal(session, case, reviewer, outcome)
        if case.state != "appealed":
            close_appeals(
                session, case, "granted" if outcome == "dismiss" else "rejected", reviewer.id
            )
        session.flush()
        return case
    if outcome in ("escalate", "request_info"):
        _record(session, case, reviewer, outcome, reason, category, None, state_before)
        states.escalate(case) if outcome == "escalate" else states.request_info(case)
        if outcome == "request_info":
            _ask_reporters(session, case, reason, report_id)
        session.flush()
        return case
    selected = _select(session, case, reviewer, content_ids, report_id)
    if not selected and outcome == "dismiss" and not items_of(session, case):
        _record(session, case, reviewer, outcome, reason, category, [], state_before)
        states.close_empty(case)
        tell_reporter(session, case, "dismissed", _dismissal_message(1))
        return case
    if not selected:
        raise NothingSelected(
            "Choose the items this decision is about: the rest were decided already or "
            "joined later and must be looked at and named one by one.",
            field="items",
        )
    chosen = _with_followers(session, case, selected, outcome)
    ids = [ci.content_id for ci in chosen]
    if outcome == "dismiss":
        _check_second_review(reviewer, chosen)
    _record(session, case, reviewer, outcome, reason, category, ids, state_before)
    if outcome == "confirm":
        _confirm(session, case, reviewer, chosen, category, engine)
    else:
        _dismiss(session, case, reviewer, chosen)
    decided = [(ci.id, ci.content_id, ci.state) for ci in chosen]
    # Feedback owed to hash exchanges for these items, queued in this commit.
    exchanges.on_decided(session, case.id, decided, f"user:{reviewer.username}")
    states.settle(session, case)
    if state_before == "rereview" and case.state in ("confirmed", "dismissed"):
        close_appeals(
            session, case, "granted" if case.state == "confirmed" else "rejected", reviewer.id
        )
    session.flush()
    return case


def _record(
    session: Session,
    case: Case,
    reviewer: User,
    outcome: str,
    reason: str,
    category: str | None,
    content_ids: list[int] | None,
    state_before: str,
) -> None:
    session.add(
        Decision(
            case_id=case.id,
            reviewer_id=reviewer.id,
            outcome=outcome,
            category=category,
            reason=reason,
            round=case.round,
            content_ids=content_ids,
        )
    )
    audit.record(
        session,
        f"case.{outcome}",
        actor=f"user:{reviewer.username}",
        subject_type="case",
        subject_id=case.id,
        data={
            "reason": reason,
            "category": category,
            "state_before": state_before,
            "content_ids": content_ids,
        },
    )


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
    if case.needs_specialist and reviewer.role not in SPECIALISTS and outcome != "request_info":
        raise SpecialistRequired("This case was escalated to a child-safety specialist.")
    if case.state in ("appealed", "rereview") and any(
        d.reviewer_id == reviewer.id for d in decisions_of(session, case)
    ):
        raise SameReviewer("Another review must be done by someone who has not decided yet.")


def _select(
    session: Session,
    case: Case,
    reviewer: User,
    content_ids: list[int] | None,
    report_id: int | None,
) -> list[CaseItem]:
    """The undecided items a decision is about; named late joiners must have been seen."""
    undecided = [ci for ci, _ in items_of(session, case, PROTECTING)]
    if content_ids is None and report_id is None:
        return [ci for ci in undecided if not ci.needs_look]
    if content_ids is not None:
        known = {ci.content_id for ci, _ in items_of(session, case)}
        unknown = [i for i in content_ids if i not in known]
        if unknown:
            raise ItemNotInCase(f"Not items of case {case.number}: {unknown}.", field="items")
        chosen = [ci for ci in undecided if ci.content_id in set(content_ids)]
    else:
        named = set(_report_items(session, case, report_id))
        chosen = [ci for ci in undecided if ci.report_id == report_id or ci.content_id in named]
    _require_looked_at(session, case, reviewer, [ci for ci in chosen if ci.needs_look])
    return chosen


def _report_items(session: Session, case: Case, report_id: int | None) -> list[int]:
    report = session.get(Report, report_id) if report_id is not None else None
    if report is None or report.case_id != case.id:
        raise ItemNotInCase(f"No report {report_id} in case {case.number}.", field="report_id")
    return list(report.item_ids or [])


def _require_looked_at(session: Session, case: Case, reviewer: User, late: list[CaseItem]) -> None:
    if not late:
        return
    actor = f"user:{reviewer.username}"
    views = [
        e.at
        for e in audit.events_for(session, "case", case.id)
        if e.action == "case.viewed" and e.actor == actor
    ]
    unseen = [ci.content_id for ci in late if not any(at >= ci.added_at for at in views)]
    if unseen:
        raise ItemNotLookedAt(
            "Open the case and look at the items that joined later before deciding them: "
            f"{unseen}.",
            field="items",
        )


def _with_followers(
    session: Session, case: Case, chosen: list[CaseItem], outcome: str
) -> list[CaseItem]:
    """A decision on an item covers its reposts, and the copies it brought in (for a
    confirmation, only the copies that need no look of their own)."""
    roots = {ci.content_id for ci in chosen}
    roots |= {
        item.root_id or item.id for ci, item in items_of(session, case) if ci.content_id in roots
    }
    out = {ci.id: ci for ci in chosen}
    for ci, item in items_of(session, case, PROTECTING):
        if ci.id in out:
            continue
        same_post = (item.root_id or item.id) in roots
        brought = ci.source_id in roots and (outcome != "confirm" or not ci.needs_look)
        if same_post or brought:
            out[ci.id] = ci
    return list(out.values())


def _confirm(
    session: Session,
    case: Case,
    reviewer: User,
    chosen: list[CaseItem],
    category: str | None,
    engine: MatchEngine | None,
) -> None:
    actor = f"user:{reviewer.username}"
    for ci in chosen:
        states.move_item(ci, "confirm")
    items = [session.get(ContentItem, ci.content_id) for ci in chosen]
    confirmed = [i for i in items if i is not None]
    if engine is not None:
        _bring_copies(session, case, engine, confirmed)
    for _, item in items_of(session, case, ("confirmed",)):
        for member in family(session, item):
            add_items(session, case, [member], "repost", source_id=item.id, state="confirmed")
            enforcement.remove_content(
                session, member, case_id=case.id, actor=actor, reason="confirmed violation"
            )
    for author_id in _reported_authors(session, case, chosen):
        enforcement.suspend_account(
            session,
            get_account(session, author_id),
            case_id=case.id,
            actor=actor,
            reason="posted confirmed violating content",
        )
    confirmed_ids = [item.id for _, item in items_of(session, case, ("confirmed",))]
    matching.bank_content(session, confirmed_ids, case.id, category)
    case.category = category or case.category
    _tell(
        session,
        case,
        [ci.content_id for ci in chosen],
        "confirmed",
        N_(
            "A reviewer confirmed your report. The content and every repost of it we "
            "found have been removed, and the account that posted it has been suspended."
        ),
    )
    events.publish(session, CaseConfirmed(case, category))


def _bring_copies(
    session: Session, case: Case, engine: MatchEngine, confirmed: list[ContentItem]
) -> None:
    """Copies of confirmed media found now: exact copies, the same author's, or any when
    the case rests on a credible report, are confirmed with it; near-duplicates by others
    are held to be looked at one by one."""
    for item in confirmed:
        for other, match in matching.copy_matches_of(session, engine, item):
            trusted = (
                case.credibility <= CREDIBLE_RANKS
                or other.author_id == item.author_id
                or match.signal in ("md5", "sha256")
            )
            add_items(
                session,
                case,
                [other],
                "copy",
                source_id=item.id,
                distance=match.distance,
                needs_look=not trusted,
                state="confirmed" if trusted else "open",
            )
            if not trusted:
                enforcement.restrict_content(
                    session,
                    other,
                    case_id=case.id,
                    actor="system",
                    reason="copy of confirmed media",
                )


def _check_second_review(reviewer: User, chosen: list[CaseItem]) -> None:
    """Whoever dismissed a P0 item first cannot be its second reviewer, in any round."""
    second = [ci for ci in chosen if ci.state == "pending_second_review"]
    if not second:
        return
    if any(ci.first_dismissed_by_id == reviewer.id for ci in second):
        raise SameReviewer("A second, different reviewer must confirm this dismissal.")
    if reviewer.role not in SPECIALISTS:
        raise SpecialistRequired("The second review of a child report needs a specialist.")


def _dismiss(session: Session, case: Case, reviewer: User, chosen: list[CaseItem]) -> None:
    first = [ci for ci in chosen if ci.state == "open" and case.priority == "P0"]
    final = [ci for ci in chosen if ci not in first]
    for ci in first:
        states.move_item(ci, "first_dismissal")
        ci.first_dismissed_by_id = reviewer.id
    if first:
        hidden = _any_hidden(session, case)
        _tell(
            session,
            case,
            [ci.content_id for ci in first],
            "second_review",
            SECOND_LOOK_HIDDEN if hidden else SECOND_LOOK,
        )
    actor = f"user:{reviewer.username}"
    for ci in final:
        states.move_item(ci, "dismiss")
        item = session.get(ContentItem, ci.content_id)
        if item is not None and not _held_elsewhere(session, case, item):
            enforcement.restore_content(
                session, item, case_id=case.id, actor=actor, reason="dismissed after review"
            )
    if final:
        reviewers = len(
            {d.reviewer_id for d in decisions_of(session, case) if d.round == case.round}
        )
        _tell(
            session,
            case,
            [ci.content_id for ci in final],
            "dismissed",
            _dismissal_message(reviewers),
        )


def _ask_reporters(session: Session, case: Case, question: str, report_id: int | None) -> None:
    """A request for information reaches the reporter it names (unset: each reporter of
    the case, on their own); they answer on the status page."""
    query = select(Report.id).where(Report.case_id == case.id, Report.withdrawn_at.is_(None))
    if report_id is not None:
        query = query.where(Report.id == report_id)
    for rid in session.scalars(query):
        tell_reporter(session, case, "request_info", question.strip(), report_id=rid)


def _tell(session: Session, case: Case, content_ids: list[int], kind: str, message: str) -> None:
    """Tell the reporters whose report named or brought in these items, each on their own."""
    wanted = set(content_ids)
    brought = set(
        session.scalars(
            select(CaseItem.report_id).where(
                CaseItem.case_id == case.id, CaseItem.content_id.in_(wanted)
            )
        )
    )
    for report in session.scalars(select(Report).where(Report.case_id == case.id)):
        if report.id in brought or wanted & set(report.item_ids or []):
            tell_reporter(session, case, kind, message, report_id=report.id)


def _decide_appeal(session: Session, case: Case, reviewer: User, outcome: str) -> None:
    """Rejecting (confirm) keeps the removal. Granting (dismiss) puts back only the item the
    uploader appealed, and for child sexual abuse material only once two different
    specialists have granted it; the rest of the case stays removed."""
    appeal = open_appeal(session, case)
    if outcome == "confirm" or appeal is None:
        states.appeal_decided(session, case)
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
        for ci, other in items_of(session, case, ("confirmed",)):
            if other.id == item.id:
                states.move_item(ci, "reinstate")
    states.appeal_decided(session, case)


def _any_hidden(session: Session, case: Case) -> bool:
    return any(item.visibility == "restricted" for _, item in items_of(session, case))


def _held_elsewhere(session: Session, case: Case, item: ContentItem) -> bool:
    """Whether another case still protects this item undecided (it must stay hidden)."""
    return (
        session.scalar(
            select(CaseItem.id)
            .join(Case, Case.id == CaseItem.case_id)
            .where(
                CaseItem.content_id == item.id,
                Case.id != case.id,
                CaseItem.state.in_(PROTECTING),
                Case.restricted_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def _dismissal_message(reviewers: int) -> str:
    """Fixed sentences (msgids of the reporters' catalogues): shown in their language."""
    if reviewers == 1:
        return N_(
            "One reviewer looked at every item in your report, and every repost of it, and "
            "did not take it down this time. This is not the end: if you think we got it wrong, "
            "or you have more information (for example the age of the person shown, or a "
            "police case number), ask for another review on this page, or send a new report "
            "about the same content. A different reviewer will look at it."
        )
    if reviewers == 2:
        return N_(
            "Two different reviewers looked at every item in your report, and every repost of "
            "it, and did not take it down this time. This is not the end: if you think we got "
            "it wrong, or you have more information (for example the age of the person shown, "
            "or a police case number), ask for another review on this page, or send a new "
            "report about the same content. A different reviewer will look at it."
        )
    return N_(
        "Several different reviewers looked at every item in your report, and every repost of "
        "it, and did not take it down this time. This is not the end: if you think we got it "
        "wrong, or you have more information (for example the age of the person shown, or a "
        "police case number), ask for another review on this page, or send a new report "
        "about the same content. A different reviewer will look at it."
    )


def _reported_authors(session: Session, case: Case, chosen: list[CaseItem]) -> set[int]:
    """Who posted the originals of the confirmed reported items. Reposters and the authors
    of items nobody confirmed are never suspended."""
    authors: set[int] = set()
    for ci in chosen:
        if ci.reason != "reported" or ci.state != "confirmed":
            continue
        item = session.get(ContentItem, ci.content_id)
        if item is None:
            continue
        root = session.get(ContentItem, item.root_id) if item.root_id else item
        authors.add((root or item).author_id)
    return authors
