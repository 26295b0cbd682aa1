"""Background jobs of triage: a second look for copies once a P0 report has committed."""

from __future__ import annotations

from datetime import timedelta

import procrastinate
from sqlalchemy.orm import Session

from takedown import cases
from takedown.cases import Case
from takedown.db.base import utcnow
from takedown.jobs import enqueue, runtime

RESWEEP_TASK = "triage:resweep"
RESWEEP_AFTER = timedelta(seconds=1)  # past one follow cycle of every process's index


def register(app: procrastinate.App) -> None:
    app.task(name=RESWEEP_TASK, queue="default")(resweep)


def resweep_later(session: Session, case: Case) -> None:
    enqueue(session, RESWEEP_TASK, scheduled_at=utcnow() + RESWEEP_AFTER, case_id=case.id)


def resweep(case_id: int) -> int:
    """Restrict copies that were uploaded while the report was being taken."""
    from takedown.triage.copies import propagate

    rt = runtime.current()
    engine = rt.matcher()
    engine.sync_now()
    with rt.db.session() as session:
        case = cases.get_case(session, case_id, lock=True)
        if case.state not in ("open", "restricted", "pending_second_review"):
            return 0
        items = [item for ci, item in cases.items_of(session, case) if ci.reason == "reported"]
        return propagate(session, engine, case, items, restrict=True)
