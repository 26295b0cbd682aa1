"""Idempotent actions on the platform; each one is recorded, audited and sent by webhook."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from takedown import audit, events
from takedown.config import Settings
from takedown.db import utcnow
from takedown.enforcement.events import ContentActioned
from takedown.enforcement.models import PENDING, SUPERSEDED, Action, WebhookDelivery
from takedown.platforms import Account, ContentItem, get_account, get_platform

DELIVER_TASK = "enforcement:deliver_webhook"
BATCH_TASK = "enforcement:deliver_webhooks"  # queued by earlier versions only


# kind of action -> (states it applies from, state it leaves, event sent to the platform)
TRANSITIONS = {
    "restrict": (("public",), "restricted", "content.restricted"),
    "remove": (("public", "restricted"), "removed", "content.removed"),
    "restore": (("restricted",), "public", "content.restored"),
    "reinstate": (("restricted", "removed"), "public", "content.restored"),
}


def _transition(
    session: Session, kind: str, item: ContentItem, case_id: int | None, actor: str, reason: str
) -> bool:
    """Move the item to its new state once; False (and nothing sent) if it is not applicable."""
    sources, target, event = TRANSITIONS[kind]
    if item.visibility not in sources:
        return False
    now = utcnow()
    item.visibility = target
    item.monetised = item.shareable = target == "public"
    if target == "restricted":
        item.restricted_at = now
    elif target == "removed":
        item.removed_at = now
    else:
        item.restricted_at = item.removed_at = None
    _act(
        session,
        "restore" if kind == "reinstate" else kind,
        event,
        item=item,
        case_id=case_id,
        actor=actor,
        reason=reason,
    )
    return True


def restrict_content(
    session: Session, item: ContentItem, *, case_id: int | None, actor: str, reason: str
) -> bool:
    """Hide from all but the author, demonetise, stop sharing. False if already so."""
    return _transition(session, "restrict", item, case_id, actor, reason)


def remove_content(
    session: Session, item: ContentItem, *, case_id: int | None, actor: str, reason: str
) -> bool:
    return _transition(session, "remove", item, case_id, actor, reason)


def restore_content(
    session: Session, item: ContentItem, *, case_id: int | None, actor: str, reason: str
) -> bool:
    """Lift a restriction (a dismissal); removed content stays removed."""
    return _transition(session, "restore", item, case_id, actor, reason)


def reinstate_content(
    session: Session, item: ContentItem, *, case_id: int | None, actor: str, reason: str
) -> bool:
    """Put removed or restricted content back (an appeal granted)."""
    return _transition(session, "reinstate", item, case_id, actor, reason)


def suspend_account(
    session: Session, account: Account, *, case_id: int | None, actor: str, reason: str
) -> bool:
    if account.state == "suspended":
        return False
    account.state = "suspended"
    account.suspended_at = utcnow()
    action = Action(
        case_id=case_id, kind="suspend", account_id=account.id, actor=actor, reason=reason
    )
    session.add(action)
    session.flush()
    data: dict[str, object] = {
        "account_id": account.external_id,
        "handle": account.handle,
        "reason": reason,
        "case_id": case_id,
        "action_id": action.id,
    }
    audit.record(
        session,
        "account.suspended",
        actor=actor,
        subject_type="account",
        subject_id=account.id,
        data=data,
    )
    _notify(
        session, account.platform_id, "account.suspended", data, action.id, f"account:{account.id}"
    )
    return True


def _act(
    session: Session,
    kind: str,
    event: str,
    *,
    item: ContentItem,
    case_id: int | None,
    actor: str,
    reason: str,
) -> None:
    action = Action(case_id=case_id, kind=kind, content_id=item.id, actor=actor, reason=reason)
    session.add(action)
    session.flush()
    author = get_account(session, item.author_id)
    data = {
        "content_id": item.external_id,
        "author_id": author.external_id,
        "visibility": "author_only" if item.visibility == "restricted" else item.visibility,
        "monetised": item.monetised,
        "shareable": item.shareable,
        "reason": reason,
        "case_id": case_id,
        "action_id": action.id,
    }
    audit.record(session, event, actor=actor, subject_type="content", subject_id=item.id, data=data)
    actioned = ContentActioned(action, item, dict(data))
    events.publish(session, actioned)  # legal adds the statement of reasons
    _notify(session, item.platform_id, event, actioned.payload, action.id, f"content:{item.id}")


def notify(
    session: Session, platform_id: int, event: str, data: dict[str, object], item_key: str
) -> None:
    """A signed webhook about no action (e.g. `report.unresolved`), in this transaction."""
    _notify(session, platform_id, event, data, None, item_key)


def _notify(
    session: Session,
    platform_id: int,
    event: str,
    data: dict[str, object],
    action_id: int | None,
    item_key: str,
) -> None:
    """Create the delivery in this transaction (it exists if the action does); every worker
    sends what is due (enforcement.tasks.Attempts), no job needed."""
    platform = get_platform(session, platform_id)
    if not platform.webhook_url:
        return
    # A newer state of the item makes its older undelivered events wrong: they are never
    # sent after it. SKIP LOCKED: one being sent right now is settled by its own attempt
    # (superseded if it fails, see deliveries.settle) and the new one waits for it in its
    # own attempt (deliveries.claim); the action's transaction never waits on a platform.
    mine = {"platform_id": platform_id, "item_key": item_key, "action_id": action_id}
    stale = [] if action_id is None else session.scalars(_STALE, mine).all()
    if stale:
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id.in_(stale)).values(status=SUPERSEDED)
        )
    delivery = WebhookDelivery(
        message_id=f"msg_{uuid.uuid4().hex}",
        platform_id=platform_id,
        action_id=action_id,
        item_key=item_key,
        event_type=event,
        payload=data,
        next_attempt_at=utcnow(),
    )
    session.add(delivery)  # the pending delivery is the queue: tasks.Attempts sends it


_STALE = (
    select(WebhookDelivery.id)
    .where(
        WebhookDelivery.platform_id == bindparam("platform_id"),
        WebhookDelivery.item_key == bindparam("item_key"),
        WebhookDelivery.action_id < bindparam("action_id"),
        WebhookDelivery.status == PENDING,
    )
    .with_for_update(skip_locked=True)
)


def backoff(settings: Settings, attempts: int) -> timedelta:
    seconds = settings.webhook_backoff_base_s * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.webhook_backoff_max_s))
