"""Cases, their content, decisions and the two-person rule."""

from takedown.cases.models import Case, CaseItem, CaseUpdate, Decision
from takedown.cases.service import (
    add_items,
    case_for_content,
    decide,
    decisions_of,
    get_case,
    higher,
    holds_all,
    items_of,
    open_case,
    queue,
    tell_reporter,
    updates_of,
)

__all__ = [
    "Case",
    "CaseItem",
    "CaseUpdate",
    "Decision",
    "add_items",
    "case_for_content",
    "decide",
    "decisions_of",
    "get_case",
    "higher",
    "holds_all",
    "items_of",
    "open_case",
    "queue",
    "tell_reporter",
    "updates_of",
]
