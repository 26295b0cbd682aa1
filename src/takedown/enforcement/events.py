"""What enforcement tells the rooms above it (published in the action's transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field

from takedown.enforcement.models import Action
from takedown.platforms import ContentItem


@dataclass
class ContentActioned:
    """Content was restricted, removed or restored. `payload` is the webhook the platform
    will get: a subscriber may add to it (legal adds the statement of reasons)."""

    action: Action
    item: ContentItem
    payload: dict[str, object] = field(default_factory=dict)
