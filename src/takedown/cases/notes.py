"""Internal notes on a case: for staff only, each one audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit
from takedown.cases.models import Case, CaseNote
from takedown.errors import InvalidInput
from takedown.people import User

MAX_NOTE = 4000


def add_note(session: Session, case: Case, author: User, body: str) -> CaseNote:
    """Keep a note on the case; the audit log records that it was written and its length."""
    text = body.strip()
    if not text:
        raise InvalidInput("Write the note first.", field="note")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"A note can be at most {MAX_NOTE} characters.", field="note")
    note = CaseNote(case_id=case.id, author_id=author.id, body=text)
    session.add(note)
    session.flush()
    audit.record(
        session,
        "case.noted",
        actor=f"user:{author.username}",
        subject_type="case",
        subject_id=case.id,
        data={"note_id": note.id, "length": len(text)},
    )
    return note


def notes_of(session: Session, case: Case) -> list[CaseNote]:
    query = select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)
    return list(session.scalars(query))
