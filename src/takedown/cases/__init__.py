"""Cases, their content, decisions and the two-person rule."""

from takedown.cases import states
from takedown.cases.decisions import PROTECTING, decide
from takedown.cases.models import Burst, Case, CaseItem, CaseUpdate, Decision
from takedown.cases.service import (
    QueuePage,
    add_items,
    case_for_content,
    decisions_of,
    get_case,
    holds_all,
    item_of,
    items_by_content,
    items_of,
    open_case,
    queue,
    standing,
    standings,
    tell_reporter,
    updates_of,
)
from takedown.cases.states import higher

__all__ = [
    "PROTECTING",
    "Burst",
    "Case",
    "CaseItem",
    "CaseUpdate",
    "Decision",
    "QueuePage",
    "add_items",
    "case_for_content",
    "decide",
    "decisions_of",
    "get_case",
    "higher",
    "holds_all",
    "item_of",
    "items_by_content",
    "items_of",
    "open_case",
    "queue",
    "standing",
    "standings",
    "states",
    "tell_reporter",
    "updates_of",
]
