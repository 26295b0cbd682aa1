"""Cases, their content, decisions and the two-person rule."""

from takedown.cases import appeals, claims, clocks, listing, messages, notes, states
from takedown.cases.clocks import clock
from takedown.cases.decisions import PROTECTING, decide
from takedown.cases.errors import ClaimedByOther
from takedown.cases.events import CaseConfirmed
from takedown.cases.messages import placeholders
from takedown.cases.models import Appeal, Burst, Case, CaseItem, CaseUpdate, Decision, Report
from takedown.cases.search import search as search_cases
from takedown.cases.service import (
    ACTIVE,
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
from takedown.cases.views import case_detail, case_summary, find_case, item_media

__all__ = [
    "ACTIVE",
    "PROTECTING",
    "Appeal",
    "Burst",
    "Case",
    "CaseConfirmed",
    "CaseItem",
    "CaseUpdate",
    "ClaimedByOther",
    "Decision",
    "QueuePage",
    "Report",
    "add_items",
    "appeals",
    "case_detail",
    "case_for_content",
    "case_summary",
    "claims",
    "clock",
    "clocks",
    "decide",
    "decisions_of",
    "find_case",
    "get_case",
    "higher",
    "holds_all",
    "item_media",
    "item_of",
    "items_by_content",
    "items_of",
    "listing",
    "messages",
    "notes",
    "open_case",
    "placeholders",
    "queue",
    "search_cases",
    "standing",
    "standings",
    "states",
    "tell_reporter",
    "updates_of",
]
