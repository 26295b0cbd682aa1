"""Background jobs of the legal room: CyberTipline filing, evidence sealing and purging,
and sending statements of reasons. Each is a thin wrapper over a service function."""

from __future__ import annotations

import procrastinate

from takedown.jobs import runtime
from takedown.legal import dsa, filing, preservation, transparency_db

PURGE_TASK = "legal:purge_evidence"


def register(app: procrastinate.App) -> None:
    """Each worker's app gets its own task objects (procrastinate renames shared ones)."""
    app.task(name=filing.SUBMIT_TASK, queue="legal")(submit_ncmec)
    app.task(name=preservation.PRESERVE_TASK, queue="legal")(preserve_evidence)
    app.task(name=dsa.SEND_BATCH_TASK, queue="legal")(send_statements)
    app.task(name=dsa.SEND_TASK, queue="legal")(send_statement)
    purge = app.task(name=PURGE_TASK, queue="maintenance")(purge_evidence)
    app.periodic(cron="17 * * * *", periodic_id="purge_evidence")(purge)


def submit_ncmec(report_id: int) -> None:
    rt = runtime.current()
    filing.file_report(rt.db, rt.settings, report_id)


def preserve_evidence(case_id: int) -> None:
    rt = runtime.current()
    with rt.db.session() as session:
        preservation.preserve(session, rt.settings, case_id)


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
