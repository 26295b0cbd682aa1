"""The demo's legal side: a local fake CyberTipline (the demo never contacts NCMEC), and the
files it writes for the case it confirms (report XML, statements of reasons, transparency)."""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from takedown.cases import Case
from takedown.config import Settings
from takedown.db import Database, utcnow
from takedown.demo.fake_ncmec import FakeCyberTipline
from takedown.legal import dsa, facts, ncmec, service
from takedown.reporting import transparency


def fake_cybertipline(settings: Settings) -> tuple[FakeCyberTipline, Settings]:
    """Start the fake and point a copy of the settings at it (and only at it)."""
    password = secrets.token_urlsafe(12)
    fake = FakeCyberTipline("demo-esp", password, xsd=ncmec.schema_path(settings)).start()
    return fake, settings.model_copy(
        update={
            "ncmec_enabled": True,
            "ncmec_base_url": fake.url,
            "ncmec_username": "demo-esp",
            "ncmec_password": password,
            "ncmec_reporter_name": "Simulated Platform Safety",
            "ncmec_reporter_email": "safety@sim.example",
        }
    )


def wait_for_filing(db: Database, case_number: str, timeout: float = 60.0) -> dict[str, object]:
    """Wait for the durable jobs to file the report and seal the evidence; their figures."""
    deadline = time.monotonic() + timeout
    while True:
        with db.session() as session:
            case = session.scalar(select(Case).where(Case.number == case_number))
            assert case is not None
            status = service.status_of(session, case.id)
            # The confirmation, not the case's end: items another report brought in may be
            # decided later (the case is decided when its last item is).
            confirmation = facts.latest_confirmation(session, case.id)
            decided = confirmation.created_at if confirmation else case.decided_at
        done = status.ncmec_state in ("filed", "failed", "not_sent")
        if (done and status.evidence_state == "stored") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return {
        "ncmec_state": status.ncmec_state,
        "ncmec_report_id": status.ncmec_report_id,
        "ncmec_filed_at": _iso(status.ncmec_filed_at),
        "ncmec_filed_after_confirmation_s": _seconds(decided, status.ncmec_filed_at),
        "evidence_held_until": _iso(status.evidence_held_until),
    }


def write_outputs(db: Database, case_number: str, since: datetime, out_dir: Path) -> None:
    """DIR/ncmec/*.xml, DIR/dsa/*.json (one per statement), DIR/transparency/report.*"""
    with db.session() as session:
        case = session.scalar(select(Case).where(Case.number == case_number))
        assert case is not None
        report = service.ncmec_report_for(session, case.id)
        if report is not None and report.report_xml:
            folder = out_dir / "ncmec"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{case.number}.xml").write_text(report.report_xml)
            for n, file in enumerate(report.files or []):
                (folder / f"{case.number}-file-{n + 1}.xml").write_text(
                    str(file["file_details_xml"])
                )
        folder = out_dir / "dsa"
        folder.mkdir(parents=True, exist_ok=True)
        for statement in dsa.statements_for_case(session, case.id):
            (folder / f"{statement.puid}.json").write_text(json.dumps(statement.body, indent=2))
        end = utcnow() + timedelta(seconds=1)
        transparency.write(session, since, end, out_dir / "transparency")


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 3) if start and end else None
