"""Background jobs of the legal room: CyberTipline filing, evidence sealing and purging,
and sending statements of reasons. Each is a thin wrapper over a service function."""

from __future__ import annotations

import logging
from datetime import timedelta

import procrastinate
from sqlalchemy import or_, select, text

from takedown.db import utcnow
from takedown.jobs import enqueue, runtime
from takedown.legal import dsa, filing, preservation, transparency_db
from takedown.legal.evidence import evidence_root, sweep_temporary
from takedown.legal.models import EvidenceHold, NcmecReport

PURGE_TASK = "legal:purge_evidence"
SWEEP_TASK = "legal:sweep_pending"
STALE_AFTER = timedelta(minutes=10)
# Seals with a job waiting or running (a retry after a failed write, scheduled later).
_QUEUED_SEALS = text(
    "SELECT DISTINCT (args->>'case_id')::bigint FROM procrastinate_jobs "
    "WHERE task_name = :task AND status IN ('todo', 'doing')"
)
log = logging.getLogger(__name__)


def register(app: procrastinate.App) -> None:
    """Each worker's app gets its own task objects (procrastinate renames shared ones)."""
    app.task(name=filing.SUBMIT_TASK, queue="legal")(submit_ncmec)
    app.task(name=preservation.PRESERVE_TASK, queue="legal")(preserve_evidence)
    app.task(name=dsa.SEND_BATCH_TASK, queue="legal")(send_statements)
    app.task(name=dsa.SEND_TASK, queue="legal")(send_statement)
    purge = app.task(name=PURGE_TASK, queue="maintenance")(purge_evidence)
    app.periodic(cron="17 * * * *", periodic_id="purge_evidence")(purge)
    sweep = app.task(name=SWEEP_TASK, queue="maintenance")(sweep_pending)
    app.periodic(cron="*/5 * * * *", periodic_id="sweep_legal")(sweep)


def sweep_pending(timestamp: int) -> int:
    """A CyberTipline report or an evidence seal still pending long after its job should have
    run lost that job (a crash, a bug): queue it again. Filing is safe to repeat: an
    unfinished NCMEC report is retracted first, and NCMEC's 5102 proves a finished one. A seal
    whose retry is already queued is left to it; temporary directories that crashed writes
    left in the evidence store are removed."""
    rt = runtime.current()
    stale = utcnow() - STALE_AFTER
    with rt.db.session() as session:
        reports = session.scalars(
            select(NcmecReport).where(
                NcmecReport.state == "pending",
                NcmecReport.created_at < stale,
                or_(NcmecReport.next_attempt_at.is_(None), NcmecReport.next_attempt_at < stale),
            )
        ).all()
        queued = set(session.scalars(_QUEUED_SEALS, {"task": preservation.PRESERVE_TASK}))
        holds = [
            case_id
            for case_id in session.scalars(
                select(EvidenceHold.case_id).where(
                    EvidenceHold.state == "pending", EvidenceHold.created_at < stale
                )
            )
            if case_id not in queued
        ]
        for row in reports:
            filing.enqueue_filing(session, row)  # same per-case lock as the first attempt
        for case_id in holds:
            enqueue(session, preservation.PRESERVE_TASK, queue="legal", case_id=case_id)
        if reports or holds:
            log.warning(
                "re-queued %d CyberTipline filings and %d evidence seals", len(reports), len(holds)
            )
    removed = sweep_temporary(evidence_root(rt.settings), STALE_AFTER)
    if removed:
        log.warning("removed %d unfinished evidence writes: %s", len(removed), removed)
    return len(reports) + len(holds)


def submit_ncmec(report_id: int) -> None:
    rt = runtime.current()
    filing.file_report(rt.db, rt.settings, report_id)


def preserve_evidence(case_id: int, attempt: int = 1) -> None:
    """One attempt at sealing; a failed write queues the next one itself (with back-off)."""
    rt = runtime.current()
    with rt.db.session() as session:
        preservation.preserve(session, rt.settings, case_id, attempt)


def send_statements(statement_ids: list[int]) -> None:
    rt = runtime.current()
    transparency_db.send(rt.db, rt.settings, statement_ids)


def send_statement(statement_id: int) -> None:
    send_statements([statement_id])


def purge_evidence(timestamp: int) -> None:
    """Hourly: destroy evidence whose hold has ended (each purge is in the audit log)."""
    rt = runtime.current()
    with rt.db.session() as session:
        preservation.purge_expired(session, rt.settings)
