"""DSA Article 17 statements of reasons: one for every restriction or removal, shown to the
affected account through the platform's webhook and, when enabled, sent to the Commission's
Transparency Database (`POST /api/v1/statement`, Bearer token). They carry no personal data:
the database is public."""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import jsonschema
from sqlalchemy import BindParameter, Integer, Select, bindparam, select
from sqlalchemy.orm import Session

from takedown.cases import CaseItem, Decision, Report
from takedown.config import Settings
from takedown.db import settings_of
from takedown.enforcement import Action
from takedown.jobs import enqueue_batched
from takedown.legal import categories
from takedown.legal.errors import InvalidReport
from takedown.legal.models import StatementOfReasons
from takedown.platforms import ContentItem

log = logging.getLogger(__name__)
SHIPPED_SCHEMA = Path(__file__).resolve().parent / "specs" / "statement-of-reasons.schema.json"
SEND_BATCH_TASK = "legal:send_statements"
SEND_TASK = "legal:send_statement"
CONTENT_TYPES = {"video": "CONTENT_TYPE_VIDEO", "image": "CONTENT_TYPE_IMAGE"}
CONTENT_TYPES["text"] = "CONTENT_TYPE_TEXT"
SOURCES = {
    "trusted_flagger": "SOURCE_TRUSTED_FLAGGER",
    "law_enforcement": "SOURCE_TYPE_OTHER_NOTIFICATION",
}
RESTRICTED_GROUND = "Child-safety policy: content reported as showing a minor is hidden in review"
TOS_GROUND = "Terms of service: child-safety policy"
WHAT = {
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": "breaks our child-safety rules",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE": "shares intimate images without consent",
}


def schema_path(settings: Settings | None = None) -> Path | None:
    for path in (settings.dsa_schema_path if settings else None, SHIPPED_SCHEMA):
        if path is not None and path.is_file():
            return path
    return None


@functools.cache
def _validator(path: Path) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(path.read_text()))


def validate(statement: dict[str, object], path: Path | None) -> None:
    """Raise InvalidReport naming every schema error; nothing to check without a schema."""
    if path is None:
        return
    errors = sorted(_validator(path).iter_errors(statement), key=lambda e: list(e.path))
    if errors:
        detail = "; ".join(f"{'/'.join(map(str, e.path)) or '.'}: {e.message}" for e in errors)
        raise InvalidReport(f"statement of reasons does not validate: {detail}")


def build(session: Session, action: Action, item: ContentItem) -> dict[str, object]:
    """The statement for the account that posted `item`, about `action` (restrict/remove)."""
    removal = action.kind == "remove"
    case = _case_facts(session, action, item)
    meaning = categories.meaning(case.category)
    illegal = removal and meaning.legal_ground is not None
    content_type = CONTENT_TYPES.get(item.media_type, "CONTENT_TYPE_OTHER")
    statement: dict[str, object] = {
        "puid": f"takedown-action-{action.id}",
        "decision_visibility": [
            "DECISION_VISIBILITY_CONTENT_REMOVED"
            if removal
            else "DECISION_VISIBILITY_CONTENT_DISABLED"
        ],
        "decision_monetary": "DECISION_MONETARY_TERMINATION"
        if removal
        else "DECISION_MONETARY_SUSPENSION",
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"
        if illegal
        else "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": meaning.dsa_category,
        "content_type": [content_type],
        "content_date": item.created_at.date().isoformat(),
        "application_date": action.created_at.date().isoformat(),
        "decision_facts": _facts(action, removal, meaning.dsa_category, case.confirmed),
        "source_type": SOURCES.get(case.first_role, "SOURCE_ARTICLE_16")
        if case.first_role is not None
        else "SOURCE_VOLUNTARY",
        "automated_detection": "No" if case.item_reason == "reported" else "Yes",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED"
        if action.actor.startswith("user:")
        else "AUTOMATED_DECISION_FULLY",
        "end_date_visibility_restriction": None,
    }
    if meaning.dsa_keywords and removal:
        statement["category_specification"] = list(meaning.dsa_keywords)
    if content_type == "CONTENT_TYPE_OTHER":
        statement["content_type_other"] = item.media_type
    statement.update(_ground(illegal, removal, meaning))
    return statement


def _ground(illegal: bool, removal: bool, meaning: categories.Meaning) -> dict[str, str]:
    if illegal:
        return {
            "illegal_content_legal_ground": meaning.legal_ground or "",
            "illegal_content_explanation": "Reviewers confirmed the content is illegal under "
            "this law. Possessing or distributing it is a crime; it may not be restored.",
        }
    if not removal:
        return {
            "incompatible_content_ground": RESTRICTED_GROUND,
            "incompatible_content_explanation": "Content that may show a person under 18 in "
            "a harmful way is hidden at once when reported, until people have reviewed it.",
        }
    return {
        "incompatible_content_ground": TOS_GROUND,
        "incompatible_content_explanation": "Reviewers found the content breaks our rules "
        "that protect children.",
    }


def _facts(action: Action, removal: bool, category: str, reviewed: bool) -> str:
    if not removal:
        return (
            "The content was reported as showing a person under 18, or it is a repost or copy "
            "of content so reported. While people review it, it is hidden from everyone but "
            "its author, cannot be shared and earns no money."
        )
    what = WHAT.get(category, WHAT["STATEMENT_CATEGORY_PROTECTION_OF_MINORS"])
    if action.actor.startswith("user:"):
        return (
            f"A reviewer confirmed that this content {what}. It was removed, together with "
            "every repost and copy of it that was found."
        )
    if reviewed:
        return f"This is a repost or copy of content reviewers removed because it {what}."
    return (
        "This upload matches media that reviewers or a trusted hash list had already found "
        "to break our child-safety rules, so it was removed automatically."
    )


@dataclass(frozen=True)
class _CaseFacts:
    confirmed: bool  # the case has a confirmation (its latest gives the category)
    category: str | None
    first_role: str | None  # who sent the case's first report (None: no report)
    item_reason: str | None  # why the item is in the case ("reported": named in a notice)


def _case_facts(session: Session, action: Action, item: ContentItem) -> _CaseFacts:
    """What the statement needs from the action's case, in one query."""
    if action.case_id is None:
        return _CaseFacts(False, None, None, None)
    row = session.execute(_CASE_FACTS, {"case_id": action.case_id, "content_id": item.id}).one()
    return _CaseFacts(row[0] is not None, row[1], row[2], row[3])


def _case_facts_query() -> Select[int, str, str, str]:
    """Built once: every restriction runs it."""
    case_id: BindParameter[int] = bindparam("case_id", type_=Integer)
    confirmation = (
        select(Decision.id, Decision.category)
        .where(Decision.case_id == case_id, Decision.outcome == "confirm")
        .order_by(Decision.id.desc())
        .limit(1)
        .subquery()
    )
    return select(
        select(confirmation.c.id).scalar_subquery(),
        select(confirmation.c.category).scalar_subquery(),
        select(Report.reporter_role)
        .where(Report.case_id == case_id)
        .order_by(Report.id)
        .limit(1)
        .scalar_subquery(),
        select(CaseItem.reason)
        .where(CaseItem.case_id == case_id, CaseItem.content_id == bindparam("content_id"))
        .scalar_subquery(),
    )


_CASE_FACTS = _case_facts_query()


def record(session: Session, action: Action, item: ContentItem) -> dict[str, object] | None:
    """Build, check and keep the statement; it is sent after the transaction commits.

    A statement that fails its schema is a bug here: logged, never a reason to leave
    content up."""
    statement = build(session, action, item)
    try:
        validate(statement, schema_path())
    except InvalidReport:
        log.exception("statement of reasons for action %d not kept", action.id)
        return None
    row = StatementOfReasons(
        action_id=action.id,
        case_id=action.case_id,
        puid=str(statement["puid"]),
        body=statement,
        state="pending",
    )
    settings = settings_of(session)
    if settings is not None and not settings.dsa_enabled:
        row.state = "local"  # kept here: there is no database to send it to
    session.add(row)
    if row.state == "pending":
        session.flush()  # its id, for the job
        enqueue_batched(session, SEND_BATCH_TASK, queue="legal", arg="statement_ids", item=row.id)
    return statement


def statements_for_case(session: Session, case_id: int) -> list[StatementOfReasons]:
    return list(
        session.scalars(
            select(StatementOfReasons)
            .where(StatementOfReasons.case_id == case_id)
            .order_by(StatementOfReasons.id)
        )
    )
