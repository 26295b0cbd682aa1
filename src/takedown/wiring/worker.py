"""The procrastinate app, its blueprints from every room, and running a worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import procrastinate
import psycopg
import sqlalchemy.exc

from takedown.jobs import health, runtime
from takedown.wiring.subscribers import wire

log = logging.getLogger(__name__)
# A worker silent this long (it beats every 2 s) is dead; its jobs are run again.
STALLED_AFTER_S = 10.0
RESTART_MIN_S, RESTART_MAX_S = 1.0, 30.0
CHAIN_EVERY_S = 0.25
SWEEP_EVERY_S = 0.25
DELIVER_EVERY_S = 0.05  # how soon a committed webhook (or a due retry) goes out
# A job that failed because the database went away runs again once it is back (every job
# is safe to run twice: deliveries, filings and seals check their own state first).
OUTAGE_RETRY = procrastinate.RetryStrategy(
    max_attempts=20,
    exponential_wait=2,
    retry_exceptions=[sqlalchemy.exc.OperationalError, psycopg.OperationalError],
)


def build_app(libpq_url: str) -> procrastinate.App:
    from takedown.audit import tasks as audit_tasks
    from takedown.cases import tasks as cases_tasks
    from takedown.enforcement import tasks as enforcement
    from takedown.exchanges import tasks as exchanges_tasks
    from takedown.legal import tasks as legal_tasks
    from takedown.triage import tasks as triage_tasks

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url),
        worker_defaults={
            "update_heartbeat_interval": 2.0,
            "stalled_worker_timeout": 6.0,
            "fetch_job_polling_interval": 1.0,
        },
    )
    enforcement.register(app)
    cases_tasks.register(app)
    triage_tasks.register(app)
    legal_tasks.register(app)
    exchanges_tasks.register(app)
    audit_tasks.register(app)
    # Registered on each app itself: procrastinate renames the tasks of a shared blueprint,
    # so a second worker in one process would look for doubled names.
    task = app.task(name="jobs:retry_stalled_jobs", queue="maintenance", pass_context=True)(
        retry_stalled_jobs
    )
    app.periodic(cron="* * * * * */5", periodic_id="retry_stalled")(task)
    for registered in app.tasks.values():
        if registered.retry_strategy is None:
            registered.retry_strategy = OUTAGE_RETRY
    return app


async def retry_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
    """Requeue jobs whose worker died mid-job (e.g. a SIGKILLed server)."""
    await _retry_stalled_now(context.app)


async def run_worker(rt: runtime.Runtime, *, stop: asyncio.Event | None = None) -> None:
    """Run a worker until `stop` is set (or forever). A second worker in one process (the
    demo, run inside the tests) hands the runtime back when it stops: its settings differ."""
    wire()  # the worker is a composition root, like the app
    try:
        previous: runtime.Runtime | None = runtime.current()
    except RuntimeError:
        previous = None
    runtime.install(rt)
    try:
        await _run_worker(rt, stop)
    finally:
        if previous is not None:
            runtime.install(previous)


async def _run_worker(rt: runtime.Runtime, stop: asyncio.Event | None) -> None:
    """Run the worker, and run it again whenever it dies (the database restarted, a
    connection broke), with back-off, until `stop` is set or a signal stops it."""
    delay = RESTART_MIN_S
    while True:
        try:
            await _run_once(rt, stop)
            return
        except Exception as exc:  # the worker died: say so, wait, start a fresh one
            health.worker_down(exc)
            log.warning(
                "worker stopped (%s: %s); restarting in %.0f s", type(exc).__name__, exc, delay
            )
        if stop is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                return
        else:
            await asyncio.sleep(delay)
        delay = min(delay * 2, RESTART_MAX_S)


async def _run_once(rt: runtime.Runtime, stop: asyncio.Event | None) -> None:
    app = build_app(rt.db.libpq_url())
    async with app.open_async():
        await _retry_stalled_now(app)
        task = asyncio.create_task(
            app.run_worker_async(
                concurrency=rt.settings.worker_concurrency,
                install_signal_handlers=stop is None,
                name="takedown-worker",
            )
        )
        health.worker_up()
        chainer = asyncio.create_task(_chain_forever(rt))
        sweeper = asyncio.create_task(_sweep_forever(rt))
        deliverer = asyncio.create_task(_deliver_forever(rt))
        try:
            if stop is None:
                await task
                return
            stopping = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                stopping.cancel()
                task.result()  # raises what killed it
                raise RuntimeError("the worker returned while it should run")
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            chainer.cancel()
            sweeper.cancel()
            deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await deliverer
            health.worker_stopped()


async def _chain_forever(rt: runtime.Runtime) -> None:
    """Link committed audit events into the chain, a batch every CHAIN_EVERY_S (one
    chainer at a time across every process; the others find the lock taken)."""
    from takedown import audit

    def once() -> int:
        with rt.db.session() as session:
            return audit.chain_pending(session)

    while True:
        try:
            chained = await asyncio.to_thread(once)
        except Exception as exc:  # the database is away: the worker's own loop handles it
            log.warning("audit chainer: %s", type(exc).__name__)
            chained = 0
        if chained < audit.CHAIN_BATCH:
            await asyncio.sleep(CHAIN_EVERY_S)


async def _sweep_forever(rt: runtime.Runtime) -> None:
    """Cases due a second look for copies, a batch every SWEEP_EVERY_S (every worker
    sweeps; a case one is sweeping is skipped by the others)."""
    from takedown.triage import tasks as triage_tasks

    while True:
        try:
            swept = await asyncio.to_thread(triage_tasks.sweep_due)
        except Exception as exc:  # the database is away: the worker's own loop handles it
            log.warning("resweeper: %s", type(exc).__name__)
            swept = 0
        if swept < triage_tasks.SWEEP_BATCH:
            await asyncio.sleep(SWEEP_EVERY_S)


async def _deliver_forever(rt: runtime.Runtime) -> None:
    """Webhook attempts that are due (a committed one at once), polled every
    DELIVER_EVERY_S (every worker delivers; one being sent is skipped by the others)."""
    from takedown.enforcement import tasks as enforcement_tasks

    attempts = enforcement_tasks.Attempts()
    try:
        while True:
            try:
                await asyncio.to_thread(attempts.poll)
            except Exception as exc:  # the database is away: the worker's own loop handles it
                log.warning("webhook deliverer: %s", type(exc).__name__)
            await asyncio.sleep(DELIVER_EVERY_S)
    finally:
        await asyncio.to_thread(attempts.close)


async def _retry_stalled_now(app: procrastinate.App) -> None:
    """Requeue the jobs of workers silent for STALLED_AFTER_S."""
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_S):
        await app.job_manager.retry_job(job)
