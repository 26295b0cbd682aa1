"""Appeals (DSA Art. 20) and reporters' requests for another review."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit
from takedown.cases import states
from takedown.cases.models import Appeal, Case, CaseItem, CaseUpdate
from takedown.cases.service import get_case, tell_reporter
from takedown.db import utcnow
from takedown.errors import Conflict
from takedown.i18n import N_
from takedown.platforms import ContentItem

APPEAL_WINDOW = timedelta(days=183)  # six months
REVIEW_WINDOW = timedelta(hours=24)


class NotAppealable(Conflict):
    code = "not_appealable"


def appeal_removal(session: Session, item: ContentItem, statement: str) -> Appeal:
    """The uploader asks for the removal of `item` to be looked at again."""
    case_id = session.scalar(
        select(CaseItem.case_id)
        .where(CaseItem.content_id == item.id)
        .order_by(CaseItem.id.desc())
        .limit(1)
    )
    if case_id is None or item.visibility != "removed" or item.removed_at is None:
        raise NotAppealable("This content was not removed by a decision.", field="content_id")
    if utcnow() - item.removed_at > APPEAL_WINDOW:
        raise NotAppealable(
            "Appeals are possible for six months after a removal.", field="content_id"
        )
    case = get_case(session, case_id, lock=True)
    if case.state != "confirmed":
        raise NotAppealable(f"Case {case.number} is {case.state}; nothing to appeal.")
    return _reopen(
        session,
        case,
        "appealed",
        Appeal(case_id=case.id, kind="uploader", content_id=item.id, statement=statement),
    )


def request_rereview(session: Session, case: Case, statement: str, report_id: int) -> Appeal:
    """The reporter asks for another look at a dismissed report (told to them alone),
    once per report: a second dismissal by a different reviewer is final for it (new
    evidence is a new report). Unbounded asks would let one anonymous report keep
    reviewers at it forever."""
    case = get_case(session, case.id, lock=True)  # two asks at once: one round
    if case.state != "dismissed":
        raise NotAppealable("Only a decided report can be reviewed again.")
    if _asked_before(session, case, report_id):
        raise NotAppealable(
            "You already asked for another review of this report, and a different reviewer "
            "looked at it. If you have new information, please send a new report."
        )
    appeal = _reopen(
        session, case, "rereview", Appeal(case_id=case.id, kind="reporter", statement=statement)
    )
    tell_reporter(
        session,
        case,
        "rereview",
        N_("You asked for another review. A different reviewer will look at it."),
        report_id=report_id,
    )
    return appeal


def _asked_before(session: Session, case: Case, report_id: int) -> bool:
    asked = select(CaseUpdate.id).where(
        CaseUpdate.case_id == case.id,
        CaseUpdate.report_id == report_id,
        CaseUpdate.kind == "rereview",
    )
    return session.scalar(asked.limit(1)) is not None


def _reopen(session: Session, case: Case, state: str, appeal: Appeal) -> Appeal:
    session.add(appeal)
    states.reopen(case, state, queue="appeals", deadline=utcnow() + REVIEW_WINDOW)
    if state == "rereview":
        for item in session.scalars(select(CaseItem).where(CaseItem.case_id == case.id)):
            states.move_item(item, "reopen")
    session.flush()
    audit.record(
        session,
        f"appeal.{appeal.kind}",
        actor=appeal.kind,
        subject_type="case",
        subject_id=case.id,
        data={"appeal_id": appeal.id},
    )
    return appeal


def close_appeals(session: Session, case: Case, outcome: str, reviewer_id: int) -> None:
    for appeal in session.scalars(
        select(Appeal).where(Appeal.case_id == case.id, Appeal.state == "open")
    ):
        appeal.state = outcome
        appeal.decided_by_id, appeal.decided_at = reviewer_id, utcnow()


def appeals_of(session: Session, case: Case) -> list[Appeal]:
    return list(
        session.scalars(select(Appeal).where(Appeal.case_id == case.id).order_by(Appeal.id))
    )


def open_appeal(session: Session, case: Case) -> Appeal | None:
    return session.scalar(
        select(Appeal)
        .where(Appeal.case_id == case.id, Appeal.state == "open")
        .order_by(Appeal.id.desc())
        .limit(1)
    )
