"""Background work of the enforcement room: webhook delivery with back-off, in each item's
order (every worker's `Attempts` polls what is due), and alerts when deliveries die or fall
behind."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import procrastinate
from sqlalchemy import select, update

from takedown import audit, mail
from takedown.db import utcnow
from takedown.enforcement import deliveries, webhooks
from takedown.enforcement.models import (
    DEAD_INCIDENT,
    WebhookDelivery,
    WebhookIncident,
)
from takedown.enforcement.service import BATCH_TASK, DELIVER_TASK
from takedown.jobs import enqueue, runtime
from takedown.people import User
from takedown.platforms import get_platform

log = logging.getLogger(__name__)
FAN_OUT = 16
SWEEP_GRACE = timedelta(minutes=5)
# An attempt that raised (not a failed send: that is settled) is left for this long before
# this process tries it again.
ATTEMPT_PAUSE_S = 30.0


def register(app: procrastinate.App) -> None:
    """Each worker's app gets its own task objects (procrastinate renames shared ones)."""
    app.task(name=BATCH_TASK, queue="webhooks")(deliver_webhooks)
    app.task(name=DELIVER_TASK, queue="webhooks")(deliver_webhook)
    sweep = app.task(name="enforcement:sweep_deliveries", queue="maintenance")(sweep_deliveries)
    app.periodic(cron="* * * * *", periodic_id="sweep_deliveries")(sweep)
    app.task(name=deliveries.ALERT_TASK, queue="maintenance")(alert_webhooks)
    watch = app.task(name="enforcement:watch_backlog", queue="maintenance")(watch_backlog)
    app.periodic(cron="* * * * *", periodic_id="watch_webhook_backlog")(watch)


def sweep_deliveries(timestamp: int) -> int:
    """Pending deliveries long past their next attempt were not attempted by any worker's
    `Attempts` (a bug, a paused attempt): queue a job for each. A delivery is never left
    pending for good."""
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
    """Attempts of a batch of webhooks (the job of earlier versions, still run for jobs
    queued before the upgrade; attempts are now `Attempts`' work)."""
    with ThreadPoolExecutor(max_workers=min(FAN_OUT, len(delivery_ids))) as pool:
        list(pool.map(deliver_webhook, delivery_ids))


class Attempts:
    """Every attempt of every delivery, as soon as it is due: the pending deliveries are
    the queue (no job per transaction, none per retry). Every worker polls; a delivery
    being attempted is locked (skipped by the others), and one attempted meanwhile by
    another process is no longer due (deliveries.claim)."""

    def __init__(self, threads: int = FAN_OUT, slots: int = 2 * FAN_OUT) -> None:
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="webhooks")
        self.slots = slots
        self.in_flight: set[int] = set()
        self.paused: dict[int, float] = {}  # delivery id -> when this process tries again
        self.lock = threading.Lock()

    def poll(self) -> int:
        """Start the attempts that are due (up to the free slots); how many."""
        now = time.monotonic()
        with self.lock:
            self.paused = {i: t for i, t in self.paused.items() if t > now}
            free = self.slots - len(self.in_flight)
            skip = self.in_flight | set(self.paused)
        if free <= 0:
            return 0
        with runtime.current().db.session() as session:
            ids = deliveries.due_ids(session, free, skip)
        with self.lock:
            self.in_flight.update(ids)
        for delivery_id in ids:
            self.pool.submit(self._attempt, delivery_id)
        return len(ids)

    def _attempt(self, delivery_id: int) -> None:
        try:
            deliver_webhook(delivery_id)
        except Exception:  # the database went away, a bug: left pending, tried again later
            log.exception("attempt of webhook delivery %d", delivery_id)
            with self.lock:
                self.paused[delivery_id] = time.monotonic() + ATTEMPT_PAUSE_S
        finally:
            with self.lock:
                self.in_flight.discard(delivery_id)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def deliver_webhook(delivery_id: int) -> None:
    """One attempt, in its item's order, if it is due; on failure the next attempt's time
    (or the dead letter and its alert) is committed with the failure record."""
    rt = runtime.current()
    with rt.db.session() as session:
        claimed = deliveries.claim(session, delivery_id)
        if claimed is None:
            return
        delivery = claimed.delivery
        platform = get_platform(session, delivery.platform_id)
        body = webhooks.body_for(delivery.event_type, delivery.created_at, delivery.payload)
        headers = webhooks.signed_headers(
            platform.webhook_secret, delivery.message_id, utcnow(), body
        )
        error = _attempt(platform.webhook_url or "", headers, body, rt.settings.webhook_timeout_s)
        outcome = deliveries.settle(session, rt.settings, claimed, error)
        _log(delivery, outcome, error)
        audit.record(
            session,
            _AUDITED[outcome],
            actor="system",
            subject_type="webhook",
            subject_id=delivery.message_id,
            data={
                "event": delivery.event_type,
                "delivery_id": delivery.id,
                "attempt": delivery.attempts,
                "error": error,
            },
        )


_AUDITED = {
    "delivered": "webhook.delivered",
    "retry": "webhook.attempt_failed",
    "superseded": "webhook.superseded",
    "dead": "webhook.dead",
}


def _attempt(url: str, headers: dict[str, str], body: str, timeout: float) -> str | None:
    try:
        response = webhooks.send(url, headers, body, timeout)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def _log(delivery: WebhookDelivery, outcome: str, error: str | None) -> None:
    if outcome == "dead":
        log.error(
            "webhook %s is dead after %d attempts: %s",
            delivery.message_id,
            delivery.attempts,
            error,
        )
    elif outcome == "superseded":
        log.warning(
            "webhook %s failed (%s); a newer state of its item goes out instead",
            delivery.message_id,
            error,
        )
    elif outcome == "retry":
        log.warning(
            "webhook %s attempt %d failed (%s); retry at %s",
            delivery.message_id,
            delivery.attempts,
            error,
            delivery.next_attempt_at,
        )


def watch_backlog(timestamp: int) -> int:
    """Open (and alert) an incident for each platform whose deliveries are far behind."""
    rt = runtime.current()
    with rt.db.session() as session:
        return len(deliveries.watch_backlog(session, rt.settings))


def alert_webhooks(incident_id: int) -> int:
    """Tell every supervisor and admin, once, that a platform's webhooks are in trouble."""
    rt = runtime.current()
    with rt.db.session() as session:
        incident = session.get(WebhookIncident, incident_id, with_for_update=True)
        if incident is None or incident.alerted_at is not None:
            return 0
        summary = deliveries.incident_summary(session, incident)
        recipients = [
            person.email
            for person in session.scalars(
                select(User).where(User.role.in_(("supervisor", "admin")), User.active)
            )
            if person.email
        ]
        subject, text = _alert_text(summary)
        # Sent before the alert is recorded: a crash in between sends it twice, never not at all.
        for address in recipients:
            mail.send(rt.settings, address, subject, text, link_path="/v1/webhooks/dead")
        incident.alerted_at = utcnow()
        audit.record(
            session,
            "webhook.alerted",
            actor="system",
            subject_type="platform",
            subject_id=incident.platform_id,
            data={**summary, "emailed": len(recipients) if rt.settings.smtp_host else 0},
        )
        return len(recipients)


def _alert_text(summary: dict[str, object]) -> tuple[str, str]:
    platform = summary["platform"]
    if summary["kind"] == DEAD_INCIDENT:
        subject = f"Webhooks to {platform} given up"
        text = (
            f"A webhook to {platform} failed every attempt and was given up (delivery "
            f"{summary['first_delivery_id']}). The platform may not know that content was "
            f"restricted or removed. Dead now: {summary['dead']}; pending: {summary['pending']}. "
            "See them with `takedown webhooks list --state dead` and send them again with "
            "`takedown webhooks redrive --all-dead` once the platform answers."
        )
    else:
        subject = f"Webhooks to {platform} are behind"
        text = (
            f"The oldest webhook waiting for {platform} was made at "
            f"{summary['oldest_pending_at']}; {summary['pending']} are pending. The platform "
            "is not acknowledging them; they keep being retried. See them with "
            "`takedown webhooks list --state pending`."
        )
    return subject, text
