"""Webhook deliveries, one item at a time and never silently abandoned.

One item's deliveries (a content item's, or an account's) go out in `action_id` order: an
attempt waits for an older one of the same item that is being sent right now; a pending
older one is superseded by a newer one; an attempt that fails when a newer state of its item
exists is superseded, not retried. After `webhook_max_attempts` a delivery is `dead`: listed
(`takedown webhooks list`), redriven by hand, and alerted once per incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from takedown import audit
from takedown.config import Settings
from takedown.db import utcnow
from takedown.enforcement.models import (
    BACKLOG_INCIDENT,
    DEAD,
    DEAD_INCIDENT,
    DELIVERED,
    DELIVERY_STATES,
    PENDING,
    SUPERSEDED,
    WebhookDelivery,
    WebhookIncident,
)
from takedown.enforcement.service import backoff
from takedown.errors import InvalidInput
from takedown.jobs import enqueue
from takedown.platforms import Platform

ALERT_TASK = "enforcement:alert_webhooks"


def _same_item(delivery: WebhookDelivery) -> tuple:
    return (
        WebhookDelivery.platform_id == delivery.platform_id,
        WebhookDelivery.item_key == delivery.item_key,
    )


def _newer_exists(session: Session, delivery: WebhookDelivery) -> bool:
    """A newer state of the item was made (sent, pending, or itself given up)."""
    if delivery.action_id is None:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    *_same_item(delivery),
                    WebhookDelivery.action_id > delivery.action_id,
                )
            )
        )
    )


# Sending ------------------------------------------------------------------------------------


def _due(delivery: WebhookDelivery) -> bool:
    return delivery.next_attempt_at is None or delivery.next_attempt_at <= utcnow()


def due_ids(session: Session, limit: int, skip: Iterable[int] = ()) -> list[int]:
    """Pending deliveries due an attempt, soonest first (none being attempted right now)."""
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= utcnow()
    )
    skip = list(skip)
    if skip:
        query = query.where(WebhookDelivery.id.not_in(skip))
    return list(
        session.scalars(
            query.order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


@dataclass
class Claimed:
    """A delivery locked for one attempt, with its item's older dead letters (locked too:
    moot once this one is delivered)."""

    delivery: WebhookDelivery
    older_dead: list[WebhookDelivery] = field(default_factory=list)


def _claim_query() -> Select[WebhookDelivery, bool]:
    """The item's pending and dead deliveries up to this one (only this one if it is about
    no action), locked oldest first, each with whether a newer state of the item exists.
    Built once: every attempt runs it."""
    head = (
        select(WebhookDelivery.platform_id, WebhookDelivery.item_key, WebhookDelivery.action_id)
        .where(WebhookDelivery.id == bindparam("delivery_id"))
        .subquery()
    )
    other = aliased(WebhookDelivery)
    newer = (
        exists()
        .where(
            other.platform_id == head.c.platform_id,
            other.item_key == head.c.item_key,
            other.action_id > head.c.action_id,
        )
        .correlate(head)
    )
    return (
        select(WebhookDelivery, newer.label("newer"))
        .join(
            head,
            and_(
                WebhookDelivery.platform_id == head.c.platform_id,
                WebhookDelivery.item_key == head.c.item_key,
            ),
        )
        .where(
            WebhookDelivery.status.in_((PENDING, DEAD)),
            or_(
                WebhookDelivery.id == bindparam("delivery_id"),
                and_(head.c.action_id.is_not(None), WebhookDelivery.action_id <= head.c.action_id),
            ),
        )
        .order_by(WebhookDelivery.action_id, WebhookDelivery.id)
        .with_for_update(of=WebhookDelivery)
    )


_CLAIM = _claim_query()


def claim(session: Session, delivery_id: int) -> Claimed | None:
    """Lock a pending delivery that is due for one attempt, in its item's order; None:
    nothing to send (or not yet: another process attempted it meanwhile and its next attempt
    is later).

    The item's pending deliveries up to this one are locked oldest first, so an attempt of an
    older one in flight is waited for (its transaction settles it). Older ones still pending
    after that are superseded by this one; this one is superseded if a newer state exists.
    All in one statement."""
    rows = session.execute(_CLAIM, {"delivery_id": delivery_id}).all()
    found = next(((d, newer) for d, newer in rows if d.id == delivery_id), None)
    if found is None or found[0].status != PENDING or not _due(found[0]):
        return None
    delivery, newer = found
    for older, _ in rows:
        if older.id != delivery_id and older.status == PENDING:
            older.status = SUPERSEDED
    # Rows locked after a wait are read again, but not the EXISTS: a newer state made while
    # this waited for an older attempt is looked for once more.
    if newer or (len(rows) > 1 and _newer_exists(session, delivery)):
        delivery.status = SUPERSEDED
        return None
    older_dead = [d for d, _ in rows if d.status == DEAD and _older(d, delivery)]
    return Claimed(delivery, older_dead)


def _older(one: WebhookDelivery, than: WebhookDelivery) -> bool:
    return (
        one.action_id is not None and than.action_id is not None and one.action_id < than.action_id
    )


def settle(session: Session, settings: Settings, claimed: Claimed, error: str | None) -> str:
    """Record one attempt's outcome: `delivered`, `superseded`, `dead` or `retry`."""
    delivery = claimed.delivery
    delivery.attempts += 1
    now = utcnow()
    if error is None:
        delivery.status = DELIVERED
        delivery.delivered_at = now
        delivery.last_error = None
        if claimed.older_dead:  # the platform now has a newer state of the item
            for dead in claimed.older_dead:
                dead.status = SUPERSEDED
            _close_dead_incident_if_clear(session, delivery.platform_id)
        return DELIVERED
    delivery.last_error = error
    if _newer_exists(session, delivery):
        # A newer state was made while this one was in flight: it goes out instead.
        delivery.status = SUPERSEDED
        return SUPERSEDED
    if delivery.attempts >= settings.webhook_max_attempts:
        delivery.status = DEAD
        delivery.dead_at = now
        open_incident(session, delivery.platform_id, DEAD_INCIDENT, delivery.id)
        return DEAD
    delivery.next_attempt_at = now + backoff(settings, delivery.attempts)  # polled when due
    return "retry"


# Dead letters -------------------------------------------------------------------------------


def _row(delivery: WebhookDelivery, platform_name: str) -> dict[str, object]:
    payload = delivery.payload or {}
    return {
        "id": delivery.id,
        "message_id": delivery.message_id,
        "platform": platform_name,
        "event": delivery.event_type,
        "item": payload.get("content_id") or payload.get("account_id"),
        "action_id": delivery.action_id,
        "state": delivery.status,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == PENDING else None,
        "delivered_at": delivery.delivered_at,
        "dead_at": delivery.dead_at,
    }


def list_deliveries(
    session: Session,
    *,
    state: str | None = None,
    platform: str | None = None,
    limit: int = 100,
) -> list[dict[str, object]]:
    """Deliveries, newest first: every state, or one (`dead`: the dead-letter list)."""
    if state is not None and state not in DELIVERY_STATES:
        raise InvalidInput(f"state is one of {', '.join(DELIVERY_STATES)}", field="state")
    query = (
        select(WebhookDelivery, Platform.name)
        .join(Platform, Platform.id == WebhookDelivery.platform_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(max(1, min(limit, 10_000)))
    )
    if state is not None:
        query = query.where(WebhookDelivery.status == state)
    if platform is not None:
        query = query.where(Platform.name == platform)
    return [_row(d, name) for d, name in session.execute(query).all()]


def redrive(
    session: Session,
    ids: Iterable[int] = (),
    *,
    all_dead: bool = False,
    platform: str | None = None,
    actor: str,
) -> list[dict[str, object]]:
    """Send dead deliveries again (attempts start over), each unless a newer state of its
    item exists (then it is superseded). One result per delivery: `queued`, `superseded`,
    `not_dead` (with its state) or `not_found`."""
    wanted = sorted(set(ids))
    if not wanted and not all_dead:
        raise InvalidInput("name delivery ids, or --all-dead", field="ids")
    query = select(WebhookDelivery).order_by(WebhookDelivery.action_id, WebhookDelivery.id)
    if all_dead:
        query = query.where(WebhookDelivery.status == DEAD).with_for_update(skip_locked=True)
        if platform is not None:
            query = query.where(
                WebhookDelivery.platform_id.in_(
                    select(Platform.id).where(Platform.name == platform)
                )
            )
    else:
        query = query.where(WebhookDelivery.id.in_(wanted)).with_for_update()
    found = session.scalars(query).all()
    results: dict[int, dict[str, object]] = {}
    now = utcnow()
    for delivery in found:
        if delivery.status != DEAD:
            results[delivery.id] = {"id": delivery.id, "result": "not_dead"}
        elif _newer_exists(session, delivery):
            delivery.status = SUPERSEDED
            results[delivery.id] = {"id": delivery.id, "result": SUPERSEDED}
        else:
            delivery.status = PENDING
            delivery.attempts = 0
            delivery.dead_at = None
            delivery.next_attempt_at = now  # attempted again at once (tasks.Attempts)
            results[delivery.id] = {"id": delivery.id, "result": "queued"}
        results[delivery.id]["state"] = delivery.status
    for missing in set(wanted) - set(results):
        results[missing] = {"id": missing, "result": "not_found", "state": None}
    for platform_id in {d.platform_id for d in found}:
        _close_dead_incident_if_clear(session, platform_id)
    for delivery in found:
        if results[delivery.id]["result"] != "not_dead":
            audit.record(
                session,
                "webhook.redriven",
                actor=actor,
                subject_type="webhook",
                subject_id=delivery.message_id,
                data={"delivery_id": delivery.id, "result": results[delivery.id]["result"]},
            )
    return [results[key] for key in sorted(results)]


# Incidents ----------------------------------------------------------------------------------


def open_incident(
    session: Session, platform_id: int, kind: str, delivery_id: int | None = None
) -> int | None:
    """Open the platform's incident of this kind unless one is open; a new one is alerted by
    a durable job committed with it. The new incident's id, or None."""
    new_id = session.scalar(
        insert(WebhookIncident)
        .values(
            platform_id=platform_id, kind=kind, first_delivery_id=delivery_id, opened_at=utcnow()
        )
        .on_conflict_do_nothing(
            index_elements=["platform_id", "kind"],
            index_where=WebhookIncident.closed_at.is_(None),
        )
        .returning(WebhookIncident.id)
    )
    if new_id is not None:
        enqueue(session, ALERT_TASK, queue="maintenance", incident_id=new_id)
    return new_id


def _close_incident(session: Session, platform_id: int, kind: str) -> None:
    session.execute(
        update(WebhookIncident)
        .where(
            WebhookIncident.platform_id == platform_id,
            WebhookIncident.kind == kind,
            WebhookIncident.closed_at.is_(None),
        )
        .values(closed_at=utcnow())
    )


def _close_dead_incident_if_clear(session: Session, platform_id: int) -> None:
    """A platform's dead-letter incident lasts while it has a dead delivery."""
    left = session.scalar(
        select(
            exists().where(
                WebhookDelivery.platform_id == platform_id, WebhookDelivery.status == DEAD
            )
        )
    )
    if not left:
        _close_incident(session, platform_id, DEAD_INCIDENT)


def watch_backlog(session: Session, settings: Settings) -> list[int]:
    """Open a backlog incident for each platform whose oldest pending delivery is older than
    webhook_backlog_alert_minutes; close those whose backlog is under half of it again."""
    limit = timedelta(minutes=settings.webhook_backlog_alert_minutes)
    now = utcnow()
    oldest: dict[int, datetime] = dict(
        session.execute(
            select(WebhookDelivery.platform_id, func.min(WebhookDelivery.created_at))
            .where(WebhookDelivery.status == PENDING)
            .group_by(WebhookDelivery.platform_id)
        ).all()
    )
    opened = []
    for platform_id, at in oldest.items():
        if at < now - limit:
            new_id = open_incident(session, platform_id, BACKLOG_INCIDENT)
            if new_id is not None:
                opened.append(new_id)
    still_open = session.scalars(
        select(WebhookIncident.platform_id).where(
            WebhookIncident.kind == BACKLOG_INCIDENT, WebhookIncident.closed_at.is_(None)
        )
    ).all()
    for platform_id in still_open:
        since = oldest.get(platform_id)
        if since is None or since >= now - limit / 2:
            _close_incident(session, platform_id, BACKLOG_INCIDENT)
    return opened


def incident_summary(session: Session, incident: WebhookIncident) -> dict[str, object]:
    """What an alert says: the platform, what went wrong, and how much is waiting."""
    platform = session.get(Platform, incident.platform_id)
    counts = dict(
        session.execute(
            select(WebhookDelivery.status, func.count())
            .where(
                WebhookDelivery.platform_id == incident.platform_id,
                WebhookDelivery.status.in_((PENDING, DEAD)),
            )
            .group_by(WebhookDelivery.status)
        ).all()
    )
    oldest = session.scalar(
        select(func.min(WebhookDelivery.created_at)).where(
            WebhookDelivery.platform_id == incident.platform_id, WebhookDelivery.status == PENDING
        )
    )
    return {
        "incident_id": incident.id,
        "kind": incident.kind,
        "platform_id": incident.platform_id,
        "platform": platform.name if platform is not None else None,
        "first_delivery_id": incident.first_delivery_id,
        "opened_at": incident.opened_at,
        "dead": counts.get(DEAD, 0),
        "pending": counts.get(PENDING, 0),
        "oldest_pending_at": oldest,
    }
