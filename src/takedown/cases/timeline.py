"""The case timeline in words: what each audit event on a case means to a reviewer."""

from __future__ import annotations

LABELS = {
    "report.received": "Report received",
    "case.viewed": "Case opened",
    "case.claimed": "Case claimed",
    "case.confirm": "Confirmed",
    "case.dismiss": "Dismissed",
    "case.escalate": "Escalated to a child-safety specialist",
    "case.request_info": "More information asked of the reporter",
    "case.escalated": "Priority raised or police case noted by a new report",
    "case.deadline_alert": "Supervisors alerted: deadline near",
    "case.noted": "Internal note added",
    "case.status_viewed": "Reporter looked at the status page",
    "media.revealed": "Media revealed",
    "reporter.messaged": "Message sent to a reporter",
    "upload.held": "A new upload of this media was held",
    "take_it_down.received": "TAKE IT DOWN request received (48-hour clock started)",
    "take_it_down.removed": "TAKE IT DOWN request carried out",
    "appeal.uploader": "The uploader appealed",
    "appeal.reporter": "The reporter asked for another review",
    "ncmec.report_started": "CyberTipline report started",
    "ncmec.filed": "CyberTipline report filed",
    "ncmec.not_sent": "CyberTipline report prepared (not sent: filing is off)",
    "ncmec.failed": "CyberTipline report failed",
    "evidence.hold_started": "Evidence preserved and held",
    "evidence.hold_extended": "Evidence hold extended",
    "evidence.opened": "Evidence opened",
    "evidence.purged": "Evidence purged (hold ended)",
}


def label(action: str) -> str:
    """The words for an audit action; an unknown one in words made from its code."""
    if action in LABELS:
        return LABELS[action]
    return action.replace(".", ": ").replace("_", " ").capitalize()


def actor_label(actor: str) -> str:
    """`user:alice` -> alice; `reporter:victim` -> a reporter (victim); system -> automatic."""
    kind, _, name = actor.partition(":")
    if kind == "user" and name:
        return name
    if kind == "reporter":
        return f"a reporter ({name.replace('_', ' ')})" if name else "a reporter"
    if kind == "system":
        return "automatic"
    return actor.replace("_", " ")
