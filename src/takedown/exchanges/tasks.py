"""Background jobs of the exchanges room: the scheduled incremental fetch, and the outbox of
feedback and shared hashes. Each is a thin wrapper over a service function."""

from __future__ import annotations

import logging
from datetime import timedelta

import procrastinate
from sqlalchemy import func, select, text

from takedown.db import utcnow
from takedown.exchanges import hygiene, outbox, service
from takedown.exchanges.errors import ExchangeUnavailable
from takedown.exchanges.models import Exchange
from takedown.jobs import runtime
from takedown.matching import engine_of

FETCH_TASK = service.FETCH_TASK
DUE_TASK = "exchanges:fetch_due"
log = logging.getLogger(__name__)
_QUEUED = text(
    "SELECT 1 FROM procrastinate_jobs WHERE task_name = :task AND status IN ('todo', 'doing') "
    "AND args->>'name' = :name LIMIT 1"
)


def register(app: procrastinate.App) -> None:
    """Each worker's app gets its own task objects (procrastinate renames shared ones)."""
    app.task(name=FETCH_TASK, queue="exchanges")(fetch_exchange)
    app.task(name=outbox.COLLECT_TASK, queue="exchanges")(collect_outbox)
    app.task(name=outbox.SEND_TASK, queue="exchanges")(send_outbox)
    app.task(name=hygiene.ALERT_TASK, queue="exchanges")(alert_quarantine)
    due = app.task(name=DUE_TASK, queue="maintenance")(fetch_due)
    app.periodic(cron="* * * * *", periodic_id="fetch_exchanges")(due)


def fetch_due(timestamp: int) -> int:
    """Every minute: queue a fetch of each enabled exchange whose last fetch (or, never
    fetched, its creation) is older than `exchange_fetch_minutes`, one queued at most. An
    exchange added over HMA's API is fetched at once; one added on the command line when
    the operator runs `takedown exchange fetch`, or at its first due time."""
    rt = runtime.current()
    due_before = utcnow() - timedelta(minutes=rt.settings.exchange_fetch_minutes)
    queued = 0
    with rt.db.session() as session:
        # One tick at a time across processes: two never both find an exchange unqueued.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('takedown.exchange.due'))"))
        rows = session.scalars(
            select(Exchange.name).where(
                Exchange.enabled,
                func.coalesce(Exchange.last_fetch_complete_at, Exchange.created_at) < due_before,
            )
        ).all()
        for name in rows:
            if session.execute(_QUEUED, {"task": FETCH_TASK, "name": name}).first():
                continue
            service.enqueue_fetch(session, name)
            queued += 1
    return queued


def fetch_exchange(name: str) -> None:
    """One incremental fetch. A failure is recorded on the exchange (its status says why);
    the next scheduled run resumes from the last committed page."""
    rt = runtime.current()
    try:
        result = service.fetch(rt.db, name)
        log.info("exchange %s: %s", name, result.to_dict())
    except ExchangeUnavailable as exc:
        log.warning("exchange %s: %s", name, exc.message)


def collect_outbox(case_id: int, items: list[list], actor: str) -> None:
    rt = runtime.current()
    outbox.collect(rt.db, engine_of(rt), case_id, items, actor)


def send_outbox(outbox_id: int, attempt: int = 1) -> None:
    rt = runtime.current()
    outbox.send(rt.db, rt.settings, outbox_id, attempt)


def alert_quarantine(quarantine_id: int) -> int:
    rt = runtime.current()
    with rt.db.session() as session:
        return hygiene.alert(session, rt.settings, quarantine_id)
