"""The platform found what a report named: it attaches that content to the report, and
the content is protected at once under the rules of a report that named it itself (the
report's trust, its client's caps, bursts, two-person dismissals)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases, i18n, triage
from takedown.cases import Case, Report, states
from takedown.config import Settings
from takedown.db import utcnow
from takedown.errors import Conflict, NotFound
from takedown.intake import finding
from takedown.intake.submit import PROTECTION_NOTES
from takedown.matching import MatchEngine
from takedown.platforms import ContentItem, Platform, content_for_platform


class NothingToFind(Conflict):
    code = "nothing_to_find"


class UnknownReport(NotFound):
    code = "unknown_report"


@dataclass
class Attached:
    case_number: str
    report_id: int
    content_ids: list[str]
    protection: str
    state: str


def attach_content(
    session: Session,
    settings: Settings,
    engine: MatchEngine | None,
    platform: Platform,
    case_number: str,
    report_id: int,
    content_ids: list[str],
) -> Attached:
    if engine is not None:
        engine.sync_now()  # before any lock, as a report does
    report = _report(session, case_number, report_id)
    if platform not in finding.platforms_for(session, report):
        raise UnknownReport(f"No report {report_id} of case {case_number} for this platform.")
    items = [content_for_platform(session, platform, cid) for cid in dict.fromkeys(content_ids)]
    triage.lock_families(session, items)
    case = cases.get_case(session, report.case_id, lock=True)
    new = [item for item in items if cases.item_of(session, case, item.id) is None]
    _reopen_if_closed(settings, case, new)
    cases.add_items(session, case, new, "reported", report_id=report.id, needs_look=True)
    report.item_ids = [*(report.item_ids or []), *(item.id for item in new)]
    outcome = triage.protect_report(session, settings, engine, case, report, new) if new else "none"
    if outcome != "reviewed_before" and report.protection in ("none", "unresolved"):
        report.protection = outcome
    found, report.unresolved_refs = report.unresolved_refs, []
    states.settle(session, case)
    _record(session, platform, case, report, new, found, outcome)
    return Attached(case.number, report.id, [i.external_id for i in items], outcome, case.state)


def _report(session: Session, case_number: str, report_id: int) -> Report:
    report = session.scalar(
        select(Report)
        .join(Case, Case.id == Report.case_id)
        .where(Case.number == case_number.strip().upper(), Report.id == report_id)
    )
    if report is None:
        raise UnknownReport(f"No report {report_id} of case {case_number}.", field="report_id")
    if not (report.unresolved_refs or report.where_seen):
        raise NothingToFind("This report named its content already.", field="report_id")
    return report


def _reopen_if_closed(settings: Settings, case: Case, new: list[ContentItem]) -> None:
    """Found after a reviewer closed the empty case: it is looked at again."""
    if new and case.state not in cases.ACTIVE:
        states.reopen(case, "open", deadline=triage.deadline_for(settings, case.priority, utcnow()))


def _record(
    session: Session,
    platform: Platform,
    case: Case,
    report: Report,
    new: list[ContentItem],
    found: list[str],
    outcome: str,
) -> None:
    audit.record(
        session,
        "report.resolved",
        actor=f"platform:{platform.name}",
        subject_type="case",
        subject_id=case.id,
        data={
            "report_id": report.id,
            "content_ids": [item.external_id for item in new],
            "refs": found,
            "protection": outcome,
        },
    )
    if not new:
        return
    tr = i18n.translator(report.locale)
    text = tr("We found the content you told us about, and a person will look at it.")
    if PROTECTION_NOTES.get(outcome):
        text += " " + tr(PROTECTION_NOTES[outcome])
    cases.tell_reporter(session, case, "found", text, report_id=report.id)
