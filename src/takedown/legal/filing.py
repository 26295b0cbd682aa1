"""Filing a CyberTipline report: recorded with the confirmation, sent by a durable job.

One job runs the whole sequence (/submit, /upload and /fileinfo per file, /finish), since
NCMEC deletes an unfinished report an hour after its last change. NCMEC's report id is
stored as soon as /submit answers; a later attempt first retracts that report, and a
`5102 already finished` answer proves the earlier attempt did file it (no duplicate)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, cases
from takedown.cases import Case
from takedown.config import Settings
from takedown.db import Database, utcnow
from takedown.jobs import enqueue
from takedown.legal import media as media_fetch
from takedown.legal import ncmec
from takedown.legal.cybertipline_client import (
    ALREADY_FINISHED,
    NO_SUCH_REPORT,
    CyberTiplineClient,
)
from takedown.legal.errors import InvalidReport, SubmissionError
from takedown.legal.facts import CaseFacts, Media, gather
from takedown.legal.models import NcmecReport
from takedown.legal.preservation import hold_at_least

log = logging.getLogger(__name__)
SUBMIT_TASK = "legal:submit_ncmec"


def start_report(session: Session, case: Case, category: str) -> NcmecReport:
    """Record the pending report and queue its filing, in the confirmation's transaction."""
    row = session.scalar(select(NcmecReport).where(NcmecReport.case_id == case.id))
    if row is not None:
        return row
    row = NcmecReport(case_id=case.id, state="pending", category=category, files=[])
    session.add(row)
    session.flush()
    audit.record(
        session,
        "ncmec.report_started",
        actor="system",
        subject_type="case",
        subject_id=case.id,
        data={"category": category},
    )
    enqueue_filing(session, row)
    return row


def enqueue_filing(session: Session, row: NcmecReport, at=None) -> None:
    enqueue(
        session,
        SUBMIT_TASK,
        queue="legal",
        lock=f"ncmec:{row.case_id}",
        scheduled_at=at,
        report_id=row.id,
    )


@dataclass
class Prepared:
    xml: bytes
    facts: CaseFacts
    earlier_report_id: int | None
    uploads: list[tuple[Media, bytes]] = field(default_factory=list)


def client_for(settings: Settings) -> CyberTiplineClient:
    return CyberTiplineClient(
        settings.ncmec_base_url,
        settings.ncmec_username or "",
        settings.ncmec_password or "",
        timeout=settings.webhook_timeout_s * 6,
    )


def file_report(
    db: Database, settings: Settings, report_id: int, client: CyberTiplineClient | None = None
) -> str:
    """One attempt at filing; returns the report's state afterwards."""
    own = client is None and settings.ncmec_enabled
    client = client_for(settings) if own else client
    try:
        with db.session() as session:
            prepared = _prepare(session, settings, report_id, client)
        if prepared is None or client is None:
            return _state(db, report_id)
        try:
            _send(db, settings, report_id, prepared, client)
        except (SubmissionError, InvalidReport) as exc:
            _failed_attempt(db, settings, report_id, exc)
        return _state(db, report_id)
    finally:
        if own and client is not None:
            client.close()


def _prepare(
    session: Session, settings: Settings, report_id: int, client: CyberTiplineClient | None
) -> Prepared | None:
    """Build, validate and store the XML; None when there is nothing to send."""
    row = _row(session, report_id, lock=True)
    if row.state == "filed":
        return None
    facts = gather(session, cases.get_case(session, row.case_id))
    xml = ncmec.build_report(facts, settings)
    row.report_xml, row.endpoint = xml.decode(), settings.ncmec_base_url
    try:
        ncmec.validate(xml, _xsd(settings, client))
    except (InvalidReport, SubmissionError) as exc:
        _give_up(session, row, f"not validated: {exc}")
        return None
    if client is None:
        row.state = "not_sent"
        row.last_error = "NCMEC filing is disabled here (ncmec_enabled): file this report by hand"
        audit.record(
            session,
            "ncmec.not_sent",
            actor="system",
            subject_type="case",
            subject_id=row.case_id,
            data={"reason": row.last_error},
        )
        return None
    row.state, row.attempts = "pending", row.attempts + 1
    uploads = [
        (m, data)
        for m in facts.media
        if (
            data := media_fetch.fetch(
                m.root.media_url,
                settings.max_upload_bytes,
                allow_private=settings.media_fetch_private_hosts,
            )
        )
        is not None
    ]
    return Prepared(xml, facts, row.ncmec_report_id, uploads)


def _xsd(settings: Settings, client: CyberTiplineClient | None):
    path = ncmec.schema_path(settings)
    if path is not None:
        return path
    if client is None:
        raise InvalidReport("no CyberTipline XSD here (set ncmec_xsd_path)")
    cached = settings.data_dir / "ncmec" / "cybertipline.xsd"
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(client.xsd())
    return cached


def _send(
    db: Database, settings: Settings, report_id: int, job: Prepared, client: CyberTiplineClient
) -> None:
    if job.earlier_report_id is not None and _earlier_was_finished(client, job.earlier_report_id):
        _filed(db, settings, report_id, job.earlier_report_id, None)
        return
    ncmec_id = client.submit(job.xml)
    with db.session() as session:
        _row(session, report_id).ncmec_report_id = ncmec_id
    files = []
    for media, data in job.uploads:
        file_id, md5 = client.upload(ncmec_id, f"{media.root.external_id}.bin", data)
        details = ncmec.build_file_details(job.facts, media, ncmec_id, file_id)
        ncmec.validate(details, _xsd(settings, client))
        client.fileinfo(details)
        files.append(
            {
                "content_id": media.root.external_id,
                "file_id": file_id,
                "md5": md5,
                "file_details_xml": details.decode(),
            }
        )
    client.finish(ncmec_id)
    _filed(db, settings, report_id, ncmec_id, files)


def _earlier_was_finished(client: CyberTiplineClient, earlier: int) -> bool:
    """Retract an earlier attempt's report; True if NCMEC says it was already finished."""
    try:
        client.retract(earlier)
    except SubmissionError as exc:
        if exc.code == ALREADY_FINISHED:
            return True
        if exc.code != NO_SUCH_REPORT:
            raise
    return False


def _filed(
    db: Database, settings: Settings, report_id: int, ncmec_id: int, files: list | None
) -> None:
    with db.session() as session:
        row = _row(session, report_id, lock=True)
        row.state, row.ncmec_report_id, row.filed_at = "filed", ncmec_id, utcnow()
        row.last_error, row.next_attempt_at = None, None
        if files is not None:
            row.files = files
        hold_at_least(session, settings, row.case_id, row.filed_at)
        audit.record(
            session,
            "ncmec.filed",
            actor="system",
            subject_type="case",
            subject_id=row.case_id,
            data={"ncmec_report_id": ncmec_id, "files": len(row.files), "endpoint": row.endpoint},
        )


def _failed_attempt(db: Database, settings: Settings, report_id: int, exc: Exception) -> None:
    retryable = isinstance(exc, SubmissionError) and exc.retryable
    with db.session() as session:
        row = _row(session, report_id, lock=True)
        if not retryable or row.attempts >= settings.legal_max_attempts:
            _give_up(session, row, str(exc))
            return
        delay = settings.legal_backoff_base_s * 2 ** (row.attempts - 1)
        row.last_error, row.next_attempt_at = str(exc), utcnow() + timedelta(seconds=delay)
        enqueue_filing(session, row, at=row.next_attempt_at)
        log.warning("CyberTipline report %d attempt %d failed: %s", row.id, row.attempts, exc)


def _give_up(session: Session, row: NcmecReport, error: str) -> None:
    row.state, row.last_error, row.next_attempt_at = "failed", error, None
    log.error("CyberTipline report %d for case %d failed: %s", row.id, row.case_id, error)
    audit.record(
        session,
        "ncmec.failed",
        actor="system",
        subject_type="case",
        subject_id=row.case_id,
        data={"error": error[:2000]},
    )


def _row(session: Session, report_id: int, *, lock: bool = False) -> NcmecReport:
    query = select(NcmecReport).where(NcmecReport.id == report_id)
    return session.scalars(query.with_for_update() if lock else query).one()


def _state(db: Database, report_id: int) -> str:
    with db.session() as session:
        return _row(session, report_id).state
