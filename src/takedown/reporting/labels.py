"""Words for the codes the transparency report counts (the CSV keeps the codes)."""

from __future__ import annotations

ROLES = {
    "victim": "The person shown",
    "parent_guardian": "Parent or guardian",
    "law_enforcement": "Law enforcement",
    "ngo": "Child-protection organisation",
    "platform_user": "Someone who saw it",
    "trusted_flagger": "Trusted flagger (DSA Art. 22)",
}
CATEGORIES = {
    "csam_a1": "Child sexual abuse material (A1: prepubescent, sex act)",
    "csam_a2": "Child sexual abuse material (A2: prepubescent, lascivious)",
    "csam_b1": "Child sexual abuse material (B1: pubescent, sex act)",
    "csam_b2": "Child sexual abuse material (B2: pubescent, lascivious)",
    "ncii": "Intimate images shared without consent",
    "other": "Other breach of the rules",
    "not decided": "Not decided yet",
}
ACTIONS = {
    "restrict": "Hidden while reviewed",
    "remove": "Removed",
    "restore": "Put back after review",
    "reinstate": "Put back after an appeal",
    "suspend": "Account suspended",
}
STATES = {
    "pending": "Waiting to be sent",
    "filed": "Filed",
    "submitted": "Submitted",
    "local": "Kept here (sending is off)",
    "not_sent": "Prepared, not sent (filing is off)",
    "failed": "Failed (being retried by hand)",
    "received": "Received",
    "open": "Still open",
    "granted": "Granted",
    "rejected": "Rejected",
    "removed_within_48h": "Removed within 48 hours",
    "removed_late": "Removed after 48 hours",
}


def words(table: dict[str, str], counts: dict[str, int]) -> dict[str, int]:
    """The counts keyed by their words (a code the table lacks, in words made from it)."""
    return {table.get(k) or k.replace("_", " ").capitalize(): v for k, v in counts.items()}
