"""What the enforcement tests look at: the deliveries as stored, the CLI, lock waits."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import select, text, update

from takedown.enforcement.models import WebhookDelivery
from takedown.platforms import Platform
from tests.support import deployment_env


def deliveries(db, platform_id: int | str) -> list[WebhookDelivery]:
    with db.session() as session:
        return list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.platform_id == int(platform_id))
                .order_by(WebhookDelivery.action_id)
            )
        )


def content_deliveries(db, platform_id: int | str, content_id: str) -> list[WebhookDelivery]:
    return [d for d in deliveries(db, platform_id) if d.payload.get("content_id") == content_id]


def platform_name(db, platform_id: int | str) -> str:
    with db.session() as session:
        return session.get(Platform, int(platform_id)).name


def spend_attempts(db, settings, platform_id: int | str) -> None:
    """Leave the platform's pending deliveries one attempt each: the next failure is their
    last. (If one is in flight, this waits for its attempt to be recorded.)"""
    with db.session() as session:
        # Locked oldest action first, as the worker locks them: no deadlock with it.
        pending = session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.platform_id == int(platform_id),
                WebhookDelivery.status == "pending",
            )
            .order_by(WebhookDelivery.action_id, WebhookDelivery.id)
            .with_for_update()
        ).all()
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(pending), WebhookDelivery.status == "pending")
            .values(attempts=settings.webhook_max_attempts - 1)
        )


def deliveries_waiting_for_a_lock(db) -> int:
    """Transactions waiting to lock webhook deliveries (an item's next delivery waiting for
    the one in flight). pg_stat_activity keeps only the start of a long query."""
    with db.session() as session:
        return int(
            session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'SELECT webhook_deliveries.%'"
                )
            )
        )


def cli(settings, *args: str, as_json: bool = True) -> object:
    """Run `takedown ARGS --json` (or, not as_json, its table) as an operator would, against
    the test database."""
    env = deployment_env(settings, COLUMNS="200")  # a wide terminal: one line per cell
    out = subprocess.run(
        [sys.executable, "-m", "takedown.cli", *args, *(["--json"] if as_json else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if as_json else out.stdout
