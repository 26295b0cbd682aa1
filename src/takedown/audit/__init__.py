"""Append-only, hash-chained audit log."""

from takedown.audit.service import (
    CHAIN_BATCH,
    Verification,
    chain_pending,
    events_for,
    record,
    verify,
)

__all__ = ["CHAIN_BATCH", "Verification", "chain_pending", "events_for", "record", "verify"]
