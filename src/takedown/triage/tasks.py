"""Background jobs of triage: a second look for copies once a P0 report has committed."""

from __future__ import annotations

import logging
from datetime import timedelta

import procrastinate
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from takedown import cases, mail, matching
from takedown.cases import Case, Report
from takedown.db import counters, utcnow
from takedown.jobs import runtime
from takedown.matching import MatchEngine, engine_of
from takedown.people import User
from takedown.triage.models import ResweepDue
from takedown.triage.protection import BURST_ALERT_TASK

RESWEEP_TASK = "triage:resweep"
RESWEEP_AFTER = timedelta(seconds=1)
RESWEEP_RETRY = timedelta(seconds=30)
SWEEP_BATCH = 100
log = logging.getLogger(__name__)
BURST_MAIL_QUIET = timedelta(minutes=10)  # past one follow cycle of every process's index


def register(app: procrastinate.App) -> None:
    app.task(name=RESWEEP_TASK, queue="default")(resweep)
    app.task(name=BURST_ALERT_TASK, queue="maintenance")(alert_burst)
    purge_task = app.task(name="triage:purge_counters", queue="maintenance")(purge_counters)
    app.periodic(cron="17 * * * *", periodic_id="purge_counters")(purge_task)


def purge_counters(timestamp: int) -> int:
    """Rate-limit windows older than a day are of no use: drop them."""
    rt = runtime.current()
    with rt.db.session() as session:
        return counters.purge(session)


def resweep_later(session: Session, case: Case) -> None:
    """Look for the case's copies again a moment after this transaction commits: one row
    per case (a later report moves it later), swept by every worker in batches."""
    session.execute(_DUE, {"case_id": case.id, "due_at": utcnow() + RESWEEP_AFTER})


_DUE = text(
    "INSERT INTO resweeps_due (case_id, due_at) VALUES (:case_id, :due_at) ON CONFLICT "
    "(case_id) DO UPDATE SET due_at = greatest(resweeps_due.due_at, EXCLUDED.due_at)"
)


def sweep_due(limit: int = SWEEP_BATCH) -> int:
    """Resweep the cases that are due (each in its own transaction, its row removed with
    it; one a worker elsewhere is sweeping is skipped). Returns how many were swept or
    dropped (nothing fingerprinted): the sweeper goes on at once while there are more."""
    rt = runtime.current()
    with rt.db.session() as session:
        due = list(
            session.scalars(
                select(ResweepDue.case_id)
                .where(ResweepDue.due_at <= utcnow())
                .order_by(ResweepDue.due_at)
                .limit(limit)
            )
        )
    if not due:
        return 0
    with rt.db.session() as session:
        can = _drop_without_fingerprints(session, due)
    swept = len(due) - len(can)
    due = can
    if not due:
        return swept
    engine = engine_of(rt)
    engine.sync_now()  # once for the batch, before any lock is taken
    for case_id in due:
        try:
            swept += _sweep_one(rt, engine, case_id)
        except Exception:  # one case's failure must not stop the others': it is tried later
            log.exception("resweep of case %d failed; tried again later", case_id)
            _postpone(rt, case_id)
    return swept


def _drop_without_fingerprints(session: Session, due: list[int]) -> list[int]:
    """The due cases that can have copies: a reported item hidden by its report whose media
    has fingerprints (copies are found by them). The others' rows go at once, in one
    statement, unless a later report moved them later or another worker holds them."""
    can = set(session.scalars(_CAN_HAVE_COPIES, {"ids": due}))
    moot = [case_id for case_id in due if case_id not in can]
    if moot:
        session.execute(_DROP_DUE, {"ids": moot, "now": utcnow()})
    return [case_id for case_id in due if case_id in can]


# Built once: they run for every swept batch.
_CAN_HAVE_COPIES = text(
    "SELECT DISTINCT ci.case_id FROM case_items ci "
    "JOIN content_items c ON c.id = ci.content_id "
    "JOIN media_hashes h ON h.content_id = coalesce(c.root_id, c.id) "
    "WHERE ci.case_id = ANY(:ids) AND ci.reason = 'reported' "
    "AND ci.hidden_by_report_id IS NOT NULL"
)
_DROP_DUE = text(
    "DELETE FROM resweeps_due WHERE case_id IN (SELECT case_id FROM resweeps_due "
    "WHERE case_id = ANY(:ids) AND due_at <= :now FOR UPDATE SKIP LOCKED)"
)


def _sweep_one(rt: runtime.Runtime, engine: MatchEngine, case_id: int) -> int:
    with rt.db.session() as session:
        mine = (
            select(ResweepDue.case_id)
            .where(ResweepDue.case_id == case_id, ResweepDue.due_at <= utcnow())
            .with_for_update(skip_locked=True)
        )
        # Taken (and removed with this transaction) in one statement, unless another
        # worker is sweeping it or a later report moved it later.
        taken = session.scalar(
            delete(ResweepDue).where(ResweepDue.case_id.in_(mine)).returning(ResweepDue.case_id)
        )
        if taken is None:
            return 0
        _resweep_in(session, engine, case_id)
        return 1


def _postpone(rt: runtime.Runtime, case_id: int) -> None:
    with rt.db.session() as session:
        session.execute(
            update(ResweepDue)
            .where(ResweepDue.case_id == case_id)
            .values(due_at=utcnow() + RESWEEP_RETRY)
        )


def resweep(case_id: int) -> int:
    """Restrict copies that were uploaded while the report was being taken (the job of
    earlier versions, still run for jobs queued before the upgrade)."""
    rt = runtime.current()
    engine = engine_of(rt)
    engine.sync_now()
    with rt.db.session() as session:
        return _resweep_in(session, engine, case_id)


def _resweep_in(session: Session, engine: MatchEngine, case_id: int) -> int:
    from takedown.triage.copies import propagate

    case = cases.get_case(session, case_id, lock=True)
    if case.state not in ("open", "restricted", "pending_second_review"):
        return 0
    # Only what a report was allowed to hide spreads to copies uploaded meanwhile, within
    # what is left of that report's copy cap.
    hidden = 0
    for ci, item in cases.items_of(session, case, cases.PROTECTING):
        if ci.reason != "reported" or ci.hidden_by_report_id is None:
            continue
        if not matching.copy_matches_of(session, engine, item):
            continue  # no copy (yet): nothing to spend the report's budget on
        trust, left = _copy_budget(session, case, ci.hidden_by_report_id)
        spread = propagate(
            session,
            engine,
            case,
            [item],
            restrict=True,
            report_id=ci.hidden_by_report_id,
            trust=trust,
            copy_cap=left,
        )
        hidden += spread.hidden
    return hidden


def _copy_budget(session: Session, case: Case, report_id: int) -> tuple[str, int | None]:
    """The report's trust and how many more copies by other authors it may hold."""
    report = session.get(Report, report_id)
    if report is None:
        return "bare", 0
    if report.copies_allowed is None:
        return report.trust, None
    held = session.scalar(
        select(func.count())
        .select_from(cases.CaseItem)
        .where(
            cases.CaseItem.case_id == case.id,
            cases.CaseItem.reason == "copy",
            cases.CaseItem.hidden_by_report_id == report_id,
        )
    )
    return report.trust, max(report.copies_allowed - (held or 0), 0)


def alert_burst(burst_id: int) -> int:
    """Tell every supervisor, once, that automatic hiding stopped for a burst."""
    rt = runtime.current()
    with rt.db.session() as session:
        burst = session.get(cases.Burst, burst_id, with_for_update=True)
        if burst is None or burst.alerted_at is not None:
            return 0
        # Anyone can start bursts against many accounts: one e-mail per quiet period at
        # most; the others are in the console's burst list all the same.
        recent = session.scalar(
            select(func.count())
            .select_from(cases.Burst)
            .where(cases.Burst.alerted_at > utcnow() - BURST_MAIL_QUIET)
        )
        burst.alerted_at = utcnow()
        if recent:
            return 0
        supervisors = session.scalars(
            select(User).where(User.role.in_(("supervisor", "admin")), User.active)
        ).all()
        text = (
            f"Many unverified reports arrived against one {burst.target_type} in a short "
            "time. Automatic hiding has stopped for them; they wait for you as one item in "
            f"the console (burst {burst.id}): release what they hid, or accept them."
        )
        sent = 0
        for person in supervisors:
            if person.email:
                mail.send(
                    rt.settings, person.email, f"Report burst {burst.id}", text, link_path="/queue"
                )
                sent += 1
        return sent
