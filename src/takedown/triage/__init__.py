"""Priority, deadlines and immediate protection."""

from takedown.triage.service import (
    deadline_for,
    on_new_content,
    priority_for,
    protect,
    raise_priority,
)

__all__ = ["deadline_for", "on_new_content", "priority_for", "protect", "raise_priority"]
