"""Background jobs of the audit room: a signed checkpoint of the chain every ten minutes
(when a signing key is configured)."""

from __future__ import annotations

import logging

import procrastinate

from takedown.audit import checkpoints
from takedown.jobs import runtime

log = logging.getLogger(__name__)


def register(app: procrastinate.App) -> None:
    task = app.task(name="audit:checkpoint", queue="maintenance")(sign_checkpoint)
    app.periodic(cron="*/10 * * * *", periodic_id="audit_checkpoint")(task)


def sign_checkpoint(timestamp: int) -> int | None:
    rt = runtime.current()
    path = rt.settings.audit_signing_key_file
    if path is None:
        return None
    key = checkpoints.load_key(path)
    with rt.db.session() as session:
        row = checkpoints.checkpoint(session, key)
        return row.seq if row else None
