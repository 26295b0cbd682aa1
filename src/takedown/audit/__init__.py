"""Append-only, hash-chained audit log."""

from takedown.audit.service import Verification, events_for, record, verify

__all__ = ["Verification", "events_for", "record", "verify"]
