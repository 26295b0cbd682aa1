"""What one report may hide by itself, now: the P0 protection of the content it names
and of its copies, within the bounds (bursts, per-client caps, proof of work, what two
reviewers already dismissed) that keep anyone from hiding other people's content."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import cases
from takedown.cases import Case, CaseItem, Report
from takedown.config import Settings
from takedown.matching import MatchEngine
from takedown.platforms import ContentItem
from takedown.triage import protection
from takedown.triage.copies import propagate
from takedown.triage.service import protect
from takedown.triage.tasks import resweep_later


def _new_evidence(session: Session, case: Case, report: Report) -> bool:
    """Verified by a bank or a flagger, or the police with a case number for the first time
    on this case (a number cannot be checked, so one such re-hide per case)."""
    if report.trust == "verified":
        return True
    if report.reporter_role != "law_enforcement" or not report.law_enforcement_case_number:
        return False
    earlier = session.scalar(
        select(Report.id)
        .where(
            Report.case_id == case.id,
            Report.id != report.id,
            Report.reporter_role == "law_enforcement",
        )
        .limit(1)
    )
    return earlier is None


def protect_report(
    session: Session,
    settings: Settings,
    engine: MatchEngine | None,
    case: Case,
    report: Report,
    items: list[ContentItem],
) -> str:
    """Hide what this report may hide now; what it may not stays queued for a person. The
    same rules hold for content a platform attaches to the report later."""
    if case.priority != "P0" or case.state == "confirmed":
        return "none"
    rows = cases.items_of(session, case)
    held = {ci.content_id for ci, _ in rows if ci.state in cases.PROTECTING}
    targets = [item for item in items if item.id in held]
    reviewed = set() if _new_evidence(session, case, report) else _reviewed_before(rows)
    skipped = [i for i in targets if (i.root_id or i.id) in reviewed]
    targets = [i for i in targets if i not in skipped]
    burst = protection.detect_burst(session, settings, targets, report.trust, case.priority)
    if burst is not None:
        protection.join_burst(session, burst, case, created=case.report_count == 1)
    proven = report.proven
    budget = protection.budget(
        session,
        settings,
        report.client_key,
        report.trust,
        burst,
        proven=proven,
        police=bool(report.law_enforcement_case_number),
        wanted=sum(1 for item in targets if item.visibility == "public"),
    )
    public = [item for item in targets if item.visibility == "public"]
    hidden_before = [item for item in targets if item.visibility == "restricted"]
    allowed = public if budget.items is None else public[: budget.items]
    actor = f"report:{report.id}"
    protect(session, case, allowed, actor=actor, report_id=report.id)
    held_back = copies = 0
    # Copies of what is hidden now, and of what was hidden already (by a bank hold or an
    # earlier report), join the case within this report's copy cap.
    spread_from = allowed + hidden_before
    if engine is not None and spread_from:
        spread = propagate(
            session,
            engine,
            case,
            spread_from,
            restrict=True,
            report_id=report.id,
            trust=report.trust,
            copy_cap=budget.copies,
        )
        held_back, copies = spread.held_back, spread.hidden
        resweep_later(session, case)
    protection.spend(session, report.client_key, report.trust, copies)  # items: taken above
    # Set last: stored with the report's protection in one UPDATE (read by the resweep).
    report.copies_allowed = budget.copies
    if skipped and not allowed:
        return "reviewed_before"
    if len(allowed) < len(public):
        return budget.why if not allowed and budget.why != "limited" else "limited"
    return "limited" if held_back else "restricted"


def _reviewed_before(rows: list[tuple[CaseItem, ContentItem]]) -> set[int]:
    """Repost families in this case (its items) that two reviewers dismissed once."""
    return {
        item.root_id or item.id
        for ci, item in rows
        if ci.dismissed_before and ci.state != "confirmed"
    }
