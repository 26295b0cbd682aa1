"""Append-only, hash-chained audit log."""

from takedown.audit import checkpoints
from takedown.audit.models import AuditEvent
from takedown.audit.service import (
    CHAIN_BATCH,
    Verification,
    chain_pending,
    events_for,
    record,
    verify,
)

__all__ = [
    "CHAIN_BATCH",
    "AuditEvent",
    "Verification",
    "chain_pending",
    "checkpoints",
    "events_for",
    "record",
    "verify",
]
