"""Legal duties: NCMEC CyberTipline reports, evidence held for a year, DSA statements of
reasons, TAKE IT DOWN Act requests. (Transparency figures are reporting's.)"""

from takedown.legal import dsa, facts, media, ncmec, service
from takedown.legal.errors import EvidenceForbidden, InvalidReport
from takedown.legal.models import EvidenceHold, NcmecReport, StatementOfReasons, TakeItDownRequest
from takedown.legal.preservation import (
    EVIDENCE_ROLES,
    MAX_HOLD,
    export,
    extend_hold,
    find_user,
    open_evidence,
    purge_expired,
)
from takedown.legal.service import (
    LegalStatus,
    ncmec_report_for,
    on_case_confirmed,
    on_content_actioned,
    on_take_it_down,
    status_of,
)
from takedown.legal.take_it_down import request_case_ids, requests_of, with_requests

__all__ = [
    "EVIDENCE_ROLES",
    "MAX_HOLD",
    "EvidenceForbidden",
    "EvidenceHold",
    "InvalidReport",
    "LegalStatus",
    "NcmecReport",
    "StatementOfReasons",
    "TakeItDownRequest",
    "dsa",
    "export",
    "extend_hold",
    "facts",
    "find_user",
    "media",
    "ncmec",
    "ncmec_report_for",
    "on_case_confirmed",
    "on_content_actioned",
    "on_take_it_down",
    "open_evidence",
    "purge_expired",
    "request_case_ids",
    "requests_of",
    "service",
    "status_of",
    "with_requests",
]
