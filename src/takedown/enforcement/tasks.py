"""Background jobs of the enforcement room: webhook delivery with back-off."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import procrastinate
from sqlalchemy import select, update

from takedown import audit
from takedown.db.base import utcnow
from takedown.enforcement import webhooks
from takedown.enforcement.models import WebhookDelivery
from takedown.enforcement.service import BATCH_TASK, DELIVER_TASK, backoff
from takedown.jobs import enqueue, runtime
from takedown.platforms import get_platform

log = logging.getLogger(__name__)
FAN_OUT = 16
SWEEP_GRACE = timedelta(minutes=5)


def register(app: procrastinate.App) -> None:
    """Each worker's app gets its own task objects (procrastinate renames shared ones)."""
    app.task(name=BATCH_TASK, queue="webhooks")(deliver_webhooks)
    app.task(name=DELIVER_TASK, queue="webhooks")(deliver_webhook)
    sweep = app.task(name="enforcement:sweep_deliveries", queue="maintenance")(sweep_deliveries)
    app.periodic(cron="* * * * *", periodic_id="sweep_deliveries")(sweep)


def sweep_deliveries(timestamp: int) -> int:
    """Pending deliveries long past their next attempt lost their job (a crash, a bug):
    queue them again. A delivery is never left pending for good."""
    rt = runtime.current()
    overdue = utcnow() - SWEEP_GRACE
    with rt.db.session() as session:
        ids = list(
            session.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at < overdue
                )
                .with_for_update(skip_locked=True)
            )
        )
        for delivery_id in ids:
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(next_attempt_at=utcnow())
            )
            enqueue(session, DELIVER_TASK, queue="webhooks", delivery_id=delivery_id)
        if ids:
            log.warning("re-queued %d stranded webhook deliveries", len(ids))
        return len(ids)


def deliver_webhooks(delivery_ids: list[int]) -> None:
    """First attempts of one transaction's webhooks, in parallel."""
    with ThreadPoolExecutor(max_workers=min(FAN_OUT, len(delivery_ids))) as pool:
        list(pool.map(deliver_webhook, delivery_ids))


def deliver_webhook(delivery_id: int) -> None:
    """One attempt; on failure the next attempt is enqueued with the failure record."""
    rt = runtime.current()
    with rt.db.session() as session:
        delivery = session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
        )
        if delivery is None or delivery.status != "pending":
            return
        platform = get_platform(session, delivery.platform_id)
        body = webhooks.body_for(delivery.event_type, delivery.created_at, delivery.payload)
        headers = webhooks.signed_headers(
            platform.webhook_secret, delivery.message_id, utcnow(), body
        )
        error = _attempt(platform.webhook_url or "", headers, body, rt.settings.webhook_timeout_s)
        delivery.attempts += 1
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = utcnow()
            delivery.last_error = None
        else:
            _schedule_retry(session, delivery, error, rt)
        audit.record(
            session,
            "webhook.delivered" if error is None else "webhook.attempt_failed",
            actor="system",
            subject_type="webhook",
            subject_id=delivery.message_id,
            data={"event": delivery.event_type, "attempt": delivery.attempts, "error": error},
        )


def _attempt(url: str, headers: dict[str, str], body: str, timeout: float) -> str | None:
    try:
        response = webhooks.send(url, headers, body, timeout)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def _schedule_retry(session, delivery: WebhookDelivery, error: str, rt: runtime.Runtime) -> None:  # type: ignore[no-untyped-def]
    delivery.last_error = error
    if delivery.attempts >= rt.settings.webhook_max_attempts:
        delivery.status = "failed"
        log.error(
            "webhook %s gave up after %d attempts: %s",
            delivery.message_id,
            delivery.attempts,
            error,
        )
        return
    delivery.next_attempt_at = utcnow() + backoff(rt.settings, delivery.attempts)
    enqueue(
        session,
        DELIVER_TASK,
        queue="webhooks",
        scheduled_at=delivery.next_attempt_at,
        delivery_id=delivery.id,
    )
    log.warning(
        "webhook %s attempt %d failed (%s); retry at %s",
        delivery.message_id,
        delivery.attempts,
        error,
        delivery.next_attempt_at,
    )
