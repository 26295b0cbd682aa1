"""E-mail to reporters and staff: a courtesy beside the status page and the console, which
always have the message; never retried, never fatal."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from takedown.config import Settings

log = logging.getLogger(__name__)


def send(
    settings: Settings, to: str, subject: str, text: str, *, link_path: str = "/status"
) -> None:
    if not settings.smtp_host:
        return
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, subject
    message.set_content(text + f"\n\nSee more: {settings.public_url.rstrip('/')}{link_path}\n")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
    except OSError:
        log.exception("could not send an e-mail (%s)", subject)
