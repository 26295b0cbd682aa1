"""What cases tell the rooms above them (published in the decision's transaction)."""

from __future__ import annotations

from dataclasses import dataclass

from takedown.cases.models import Case


@dataclass
class CaseConfirmed:
    """A reviewer (or two) confirmed the case: its confirmed items are removed and banked;
    legal holds the evidence and files what the law requires."""

    case: Case
    category: str | None
