"""Domain events: a room says what happened, inside its transaction, and the subscribers
the composition root wired (`takedown.wiring.wire`) act on it in that same transaction.

A room defines its own events (e.g. `enforcement.ContentActioned`) and publishes them here;
nothing it publishes needs to know who listens, so no room imports a room above it. A
subscriber that owes the publisher an answer (the statement of reasons a webhook carries,
the removal deadline a receipt shows) writes it on the event, in a field the event names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

E = TypeVar("E")
Handler = Callable[[Session, Any], None]

_subscribers: defaultdict[type, list[Handler]] = defaultdict(list)
_wired = False


class NotWired(RuntimeError):
    """An event was published before the composition root wired its subscribers: acting
    without them would silently skip a legal duty, so it is refused instead."""


def subscribe(event_type: type[E], handler: Callable[[Session, E], None]) -> None:
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def mark_wired() -> None:
    global _wired
    _wired = True


def publish(session: Session, event: object) -> None:
    """Call every subscriber of the event's type, in the order they were wired."""
    if not _wired:
        raise NotWired(f"{type(event).__name__} published before takedown.wiring.wire()")
    for handler in _subscribers[type(event)]:
        handler(session, event)
