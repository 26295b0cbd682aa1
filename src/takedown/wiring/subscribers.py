"""Legal subscribes to what the rooms below it publish."""

from takedown import events, legal
from takedown.cases import CaseConfirmed
from takedown.enforcement import ContentActioned
from takedown.intake import TakeItDownRequested


def wire() -> None:
    """Subscribe the rooms above to the events of the rooms below (idempotent)."""
    events.subscribe(ContentActioned, legal.on_content_actioned)
    events.subscribe(CaseConfirmed, legal.on_case_confirmed)
    events.subscribe(TakeItDownRequested, legal.on_take_it_down)
    events.mark_wired()
