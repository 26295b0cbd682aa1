"""Sending statements of reasons to the DSA Transparency Database API, with retries.

`POST {dsa_base_url}/api/v1/statement` with `Authorization: Bearer <token>`; 201 answers
the stored statement with its `uuid`. A 422 naming `puid` means this statement is already
there (sent before a crash): that counts as sent. Network errors, 429 and 5xx are retried,
here and then by the job with doubling delays; other answers are final."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy import select

from takedown.config import Settings
from takedown.db import Database, utcnow
from takedown.jobs import enqueue
from takedown.legal import dsa
from takedown.legal.errors import InvalidReport, SubmissionError
from takedown.legal.models import StatementOfReasons

log = logging.getLogger(__name__)


class TransparencyDbClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        attempts: int = 3,
        retry_delay_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"authorization": f"Bearer {token}", "accept": "application/json"},
        )
        self.attempts, self.retry_delay_s, self.sleep = attempts, retry_delay_s, sleep

    def close(self) -> None:
        self.http.close()

    def submit(self, statement: dict[str, object]) -> str:
        """Store one statement; returns the database's uuid for it."""
        delay = self.retry_delay_s
        for attempt in range(1, self.attempts + 1):
            try:
                return self._once(statement)
            except SubmissionError as exc:
                if not exc.retryable or attempt == self.attempts:
                    raise
                log.warning("DSA database attempt %d failed (%s); retrying", attempt, exc)
                self.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _once(self, statement: dict[str, object]) -> str:
        try:
            response = self.http.post("/api/v1/statement", json=statement)
        except httpx.HTTPError as exc:
            raise SubmissionError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        body = _json(response)
        if response.status_code in (200, 201):
            return str(body.get("uuid", ""))
        errors = body.get("errors")
        if response.status_code == 422 and isinstance(errors, dict) and "puid" in errors:
            existing = body.get("existing")
            return str(existing.get("uuid", "")) if isinstance(existing, dict) else ""
        retryable = response.status_code == 429 or response.status_code >= 500
        message = str(body.get("message") or response.text[:300])
        raise SubmissionError(
            f"HTTP {response.status_code}: {message}",
            retryable=retryable,
            code=response.status_code,
        )


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def client_for(settings: Settings) -> TransparencyDbClient:
    return TransparencyDbClient(
        settings.dsa_base_url, settings.dsa_token or "", timeout=settings.webhook_timeout_s * 6
    )


def send(
    db: Database,
    settings: Settings,
    statement_ids: list[int],
    client: TransparencyDbClient | None = None,
) -> None:
    """Send pending statements; kept `local` when the database is not enabled here."""
    own = client is None and settings.dsa_enabled
    client = client_for(settings) if own else client
    try:
        for statement_id in statement_ids:
            _send_one(db, settings, statement_id, client)
    finally:
        if own and client is not None:
            client.close()


def _send_one(
    db: Database, settings: Settings, statement_id: int, client: TransparencyDbClient | None
) -> None:
    with db.session() as session:
        row = session.scalars(
            select(StatementOfReasons)
            .where(StatementOfReasons.id == statement_id)
            .with_for_update(skip_locked=True)
        ).one_or_none()
        if row is None or row.state not in ("pending", "local"):
            return
        if client is None:
            row.state = "local"
            return
        row.attempts += 1
        try:
            dsa.validate(row.body, dsa.schema_path(settings))
            row.transparency_uuid = client.submit(row.body)
        except (SubmissionError, InvalidReport) as exc:
            _failed(session, settings, row, exc)
            return
        row.state, row.sent_at, row.last_error = "sent", utcnow(), None


def _failed(session, settings: Settings, row: StatementOfReasons, exc: Exception) -> None:
    row.last_error = str(exc)[:2000]
    retryable = isinstance(exc, SubmissionError) and exc.retryable
    if not retryable or row.attempts >= settings.legal_max_attempts:
        row.state = "failed"
        log.error("statement %s not sent: %s", row.puid, exc)
        return
    row.state = "pending"
    delay = timedelta(seconds=settings.legal_backoff_base_s * 2 ** (row.attempts - 1))
    enqueue(
        session, dsa.SEND_TASK, queue="legal", scheduled_at=utcnow() + delay, statement_id=row.id
    )
