"""The legal room's errors. Submission errors say whether trying again can help."""

from __future__ import annotations

from takedown.errors import Forbidden, NotFound, TakedownError


class InvalidReport(TakedownError):
    """A document we built does not validate: a bug here, never worth resending as is."""

    code = "invalid_legal_document"
    status = 500


class SubmissionError(Exception):
    """A call to NCMEC or the DSA database failed. `retryable`: the same call may work later."""

    def __init__(self, message: str, *, retryable: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class EvidenceForbidden(Forbidden):
    code = "evidence_forbidden"


class NoEvidence(NotFound):
    code = "evidence_not_found"


class HoldNotShortened(TakedownError):
    code = "hold_not_shortened"
    status = 409


class HoldTooLong(TakedownError):
    code = "hold_too_long"
    status = 422
