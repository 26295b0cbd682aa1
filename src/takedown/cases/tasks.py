"""Background jobs of the cases room: alert supervisors before a decision deadline passes."""

from __future__ import annotations

import logging
from datetime import timedelta

import procrastinate
from sqlalchemy import select

from takedown import audit, mail
from takedown.cases.models import Case
from takedown.cases.service import ACTIVE
from takedown.db import utcnow
from takedown.jobs import runtime
from takedown.people import User

log = logging.getLogger(__name__)


def register(app: procrastinate.App) -> None:
    task = app.task(name="cases:alert_deadlines", queue="maintenance")(alert_deadlines)
    app.periodic(cron="* * * * *", periodic_id="alert_deadlines")(task)


def alert_deadlines(timestamp: int) -> int:
    """Cases whose deadline is near (or past) and no supervisor has been told yet."""
    rt = runtime.current()
    horizon = utcnow() + timedelta(minutes=rt.settings.escalate_before_minutes)
    with rt.db.session() as session:
        due = session.scalars(
            select(Case)
            .where(
                Case.state.in_(ACTIVE),
                Case.deadline_at <= horizon,
                Case.supervisor_alerted_at.is_(None),
            )
            .with_for_update(skip_locked=True)
        ).all()
        supervisors = session.scalars(
            select(User).where(User.role == "supervisor", User.active)
        ).all()
        for case in due:
            case.supervisor_alerted_at = utcnow()
            audit.record(
                session,
                "case.deadline_alert",
                actor="system",
                subject_type="case",
                subject_id=case.id,
                data={"deadline": case.deadline_at, "priority": case.priority},
            )
            for person in supervisors:
                if person.email:
                    mail.send(
                        rt.settings,
                        person.email,
                        f"Deadline near: case {case.number}",
                        f"Case {case.number} ({case.priority}) must be decided by "
                        f"{case.deadline_at:%Y-%m-%d %H:%M} UTC.",
                        link_path=f"/cases/{case.number}",
                    )
        return len(due)
