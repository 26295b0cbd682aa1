"""What /readyz reports: each thing the service needs, whether it works, and why not.

It reads the delivery backlog from enforcement's table and worker heartbeats from the
queue's: a read-only seam, like reporting's."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from sqlalchemy import func, select, text

from takedown.config import Settings
from takedown.db import Database, owns_audit_log, utcnow
from takedown.jobs import health
from takedown.matching import MatchEngine

HEARTBEAT_STALE_S = 10.0
INDEX_STALE_S = 10.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def checks(
    db: Database, engine: MatchEngine | None, settings: Settings, *, in_process_worker: bool
) -> list[Check]:
    out = [_database(db)]
    out.append(_index(engine))
    if out[0].ok:
        out.append(_workers(db, in_process_worker))
        out.append(_backlog(db, settings))
        out.append(_audit_role(db, settings))
    return out


def _audit_role(db: Database, settings: Settings) -> Check:
    """Whether the service's own role could switch the audit log's triggers off. Only a
    production service is unready for it; elsewhere it is said and tolerated."""
    with db.session() as session:
        owner = owns_audit_log(session.connection())
    if not owner:
        return Check("audit_role", True, "the service's role owns no table")
    detail = (
        "the service connects as the tables' owner and could disable the audit triggers: "
        "set TAKEDOWN_MIGRATE_DATABASE_URL to the owner and TAKEDOWN_DATABASE_URL to a "
        "role that owns nothing"
    )
    return Check("audit_role", settings.environment != "production", detail)


def _database(db: Database) -> Check:
    try:
        with db.session() as session:
            session.execute(text("SET LOCAL statement_timeout = 2000"))
            session.execute(text("SELECT 1"))
        return Check("database", True, "reachable")
    except Exception as exc:  # whatever is wrong, say it rather than fail the probe
        return Check("database", False, f"unreachable: {type(exc).__name__}")


def _index(engine: MatchEngine | None) -> Check:
    if engine is None:
        return Check("match_index", False, "not started")
    if not engine.ready:
        return Check("match_index", False, "still loading")
    age = time.time() - engine.last_cycle_at
    if not engine.connected or age > INDEX_STALE_S:
        return Check("match_index", False, f"not following the database ({age:.0f} s behind)")
    return Check("match_index", True, f"loaded, followed {age:.1f} s ago; {engine.describe()}")


def _workers(db: Database, in_process_worker: bool) -> Check:
    mine = health.snapshot()
    if in_process_worker and not mine.running:
        return Check("worker", False, f"this process's worker is down: {mine.last_error}")
    with db.session() as session:
        last = session.scalar(text("SELECT max(last_heartbeat) FROM procrastinate_workers"))
    if last is None:
        return Check("worker", False, "no worker has ever run")
    age = (utcnow() - last).total_seconds()
    if age > HEARTBEAT_STALE_S:
        return Check("worker", False, f"no worker heartbeat for {age:.0f} s")
    return Check("worker", True, f"heartbeat {age:.1f} s ago")


def _backlog(db: Database, settings: Settings) -> Check:
    from takedown.enforcement.models import WebhookDelivery

    with db.session() as session:
        oldest = session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at)).where(
                WebhookDelivery.status == "pending"
            )
        )
    age = max((utcnow() - oldest).total_seconds(), 0.0) if oldest else 0.0
    if age > settings.ready_backlog_s:
        return Check("deliveries", False, f"a due webhook has waited {age:.0f} s")
    return Check("deliveries", True, f"oldest due webhook {age:.0f} s")
