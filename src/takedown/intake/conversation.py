"""The reporter's side of the status page: answer a reviewer, ask for another review,
withdraw. Each needs the case number and the PIN of one report, and acts for it only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from takedown import audit, cases, i18n
from takedown.cases import Case, Report, appeals, states
from takedown.config import Settings
from takedown.db import counters, utcnow
from takedown.errors import Conflict, InvalidInput, TooManyAttempts
from takedown.i18n import N_
from takedown.intake.service import reporter_of

HOUR = timedelta(hours=1)
REPLIES_PER_HOUR = 10
MAX_REPLY = 5000


class ReportWithdrawn(Conflict):
    code = "report_withdrawn"


class TooManyReplies(TooManyAttempts):
    code = "too_many_replies"


class EmptyReply(InvalidInput):
    code = "empty_reply"


class ReplyTooLong(InvalidInput):
    code = "reply_too_long"


def reply(
    session: Session, settings: Settings, case_number: str, pin: str, text: str, *, client: str
) -> Case:
    """The reporter's answer, for the reviewers (and in the reporter's own thread)."""
    case, report = _active(session, settings, case_number, pin, client)
    text = text.replace("\x00", "").strip()
    if not text:
        raise EmptyReply(N_("Write your answer first."), field="reply")
    if len(text) > MAX_REPLY:
        raise ReplyTooLong(N_("Your answer is too long: 5,000 characters at most."), field="reply")
    if counters.hit(session, f"reply|{report.id}", HOUR) > REPLIES_PER_HOUR:
        raise TooManyReplies(
            N_("You sent many answers in the last hour. Please wait a little."),
            field="reply",
            retry_after=3600,
        )
    cases.tell_reporter(session, case, "reply", text, report_id=report.id)
    states.info_answered(case)
    _audit(session, case, report, "reporter.replied", length=len(text))
    return case


def rereview(
    session: Session, settings: Settings, case_number: str, pin: str, statement: str, *, client: str
) -> Case:
    case, report = _active(session, settings, case_number, pin, client)
    appeals.request_rereview(session, case, statement[:MAX_REPLY], report_id=report.id)
    return case


def withdraw(
    session: Session, settings: Settings, case_number: str, pin: str, *, client: str
) -> Case:
    """The report is withdrawn: nobody writes to its reporter any more. What it named is
    still looked at by a person (a withdrawal may be coerced), and nothing is put back."""
    case, report = _active(session, settings, case_number, pin, client)
    report.withdrawn_at = utcnow()
    tr = i18n.translator(report.locale)
    cases.tell_reporter(
        session,
        case,
        "withdrawn",
        tr(
            "You withdrew your report. We will not contact you about it again. A person still "
            "checks the content, so that nobody can be forced to withdraw a report."
        ),
        report_id=report.id,
    )
    _audit(session, case, report, "report.withdrawn")
    return case


def _active(
    session: Session, settings: Settings, case_number: str, pin: str, client: str
) -> tuple[Case, Report]:
    case, report = reporter_of(session, settings, case_number, pin, client=client)
    if report.withdrawn_at is not None:
        raise ReportWithdrawn(N_("You withdrew this report, so it cannot be changed."), field="pin")
    return cases.get_case(session, case.id, lock=True), report


def _audit(session: Session, case: Case, report: Report, action: str, **data: object) -> None:
    audit.record(
        session,
        action,
        actor="reporter",
        subject_type="case",
        subject_id=case.id,
        data={"report_id": report.id, **data},
    )
