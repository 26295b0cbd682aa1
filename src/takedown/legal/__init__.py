"""Legal duties: NCMEC CyberTipline reports, evidence held for a year, DSA statements of
reasons, TAKE IT DOWN Act requests, transparency reports and metrics."""

from takedown.legal.dsa import record as record_statement
from takedown.legal.models import EvidenceHold, NcmecReport, StatementOfReasons, TakeItDownRequest
from takedown.legal.preservation import (
    EVIDENCE_ROLES,
    export,
    extend_hold,
    find_user,
    open_evidence,
    purge_expired,
)
from takedown.legal.service import LegalStatus, ncmec_report_for, on_confirmed, status_of
from takedown.legal.take_it_down import record_request as record_take_it_down
from takedown.legal.transparency import write as write_transparency

__all__ = [
    "EVIDENCE_ROLES",
    "EvidenceHold",
    "LegalStatus",
    "NcmecReport",
    "StatementOfReasons",
    "TakeItDownRequest",
    "export",
    "extend_hold",
    "find_user",
    "ncmec_report_for",
    "on_confirmed",
    "open_evidence",
    "purge_expired",
    "record_statement",
    "record_take_it_down",
    "status_of",
    "write_transparency",
]
