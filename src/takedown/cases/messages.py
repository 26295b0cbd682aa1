"""Messages to reporters: templates with {placeholders}, previewed, never sent half-filled."""

from __future__ import annotations

import re
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import audit, mail
from takedown.cases.models import Case, MessageTemplate, Report
from takedown.cases.service import tell_reporter
from takedown.config import Settings
from takedown.errors import InvalidInput

MAX_MESSAGE = 4000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

DEFAULT_TEMPLATES = {
    "need_more_information": (
        "Thank you for your report ({case_number}). To act on it we need to know more: "
        "{question} You can answer by sending a new report about the same content; it will "
        "join this case."
    ),
    "still_reviewing": (
        "Your report ({case_number}) is still being reviewed by {reviewers}. The content stays "
        "hidden while we review it."
    ),
}


class UnfilledPlaceholder(InvalidInput):
    code = "unfilled_placeholder"


def placeholders(body: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(body) if name]


def render(body: str, values: dict[str, str]) -> str:
    """The text with every placeholder filled; refuses if any is missing or blank."""
    missing = [p for p in placeholders(body) if not str(values.get(p, "")).strip()]
    if missing:
        raise UnfilledPlaceholder(
            f"Fill in: {', '.join(missing)}", field="placeholders", missing=missing
        )
    try:
        return body.format(**{p: values[p] for p in placeholders(body)})
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"This template cannot be filled in: {exc}", field="template") from None


def free_text(text: str) -> str:
    """A reviewer's own words to the reporter, beside the templates: never empty, bounded."""
    body = text.strip()
    if not body:
        raise InvalidInput("Write the message first.", field="text")
    if len(body) > MAX_MESSAGE:
        raise InvalidInput(f"A message can be at most {MAX_MESSAGE} characters.", field="text")
    return body


def templates(session: Session) -> list[MessageTemplate]:
    """The stored templates, and the built-in ones not overridden (nothing is written)."""
    stored = {t.name: t for t in session.scalars(select(MessageTemplate))}
    for name, body in DEFAULT_TEMPLATES.items():
        stored.setdefault(name, MessageTemplate(name=name, body=body))
    return sorted(stored.values(), key=lambda t: t.name)


def template(session: Session, name: str) -> MessageTemplate:
    found = next((t for t in templates(session) if t.name == name), None)
    if found is None:
        raise InvalidInput(f"No template {name!r}.", field="template")
    return found


def send(
    session: Session,
    settings: Settings,
    case: Case,
    text: str,
    *,
    actor: str,
    report_id: int,
    kind: str = "message",
) -> int:
    """Show the message to one report's reporter (status page, and e-mail if they gave one).
    Others who reported the same content, the uploader among them perhaps, never see it."""
    report = session.get(Report, report_id)
    if report is None or report.case_id != case.id:
        raise InvalidInput("Choose which reporter the message is for.", field="report_id")
    tell_reporter(session, case, kind, text, report_id=report.id)
    audit.record(
        session,
        "reporter.messaged",
        actor=actor,
        subject_type="case",
        subject_id=case.id,
        data={"kind": kind, "report_id": report.id},
    )
    if report.withdrawn_at is None and report.contact and EMAIL.match(report.contact):
        mail.send(settings, report.contact, f"Your report {case.number}", text)
        return 1
    return 0
