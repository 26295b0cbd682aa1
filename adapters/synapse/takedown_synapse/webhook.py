"""The webhook endpoint Synapse serves for Takedown (`webhook_path` on its client
listener): a Standard Webhooks signature or nothing, then the action, then 200. An action
that fails for a reason that may pass (Synapse busy, media not stored yet) answers 503, so
Takedown sends it again later with backoff."""

from __future__ import annotations

import json
import logging

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from takedown_synapse.actions import Applier, Outcome
from takedown_synapse.synapse_admin import NotFound, SynapseUnavailable

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000


class Rejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class WebhookHandler:
    def __init__(self, secret: str, applier: Applier) -> None:
        self.verifier = Webhook(secret)
        self.applier = applier

    def verify(self, body: bytes, headers: dict[str, str]) -> dict:
        """The signed event, or Rejected with the status to answer. Nothing else is done
        for a request that fails this."""
        if len(body) > MAX_BODY:
            raise Rejected(413, "M_TOO_LARGE", "webhook body too large")
        try:
            self.verifier.verify(body, {k.lower(): v for k, v in headers.items()})
        except WebhookVerificationError as exc:
            raise Rejected(401, "M_UNAUTHORIZED", f"bad webhook signature: {exc}") from exc
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise Rejected(400, "M_NOT_JSON", "webhook body is not JSON") from exc
        if not isinstance(event, dict):
            raise Rejected(400, "M_BAD_JSON", "webhook body is not an object")
        return event

    def apply(self, event: dict) -> Outcome:
        """Apply a verified event (blocking: run it in a thread)."""
        try:
            return self.applier.apply(event)
        except (SynapseUnavailable, NotFound) as exc:
            log.warning("takedown webhook not applied yet: %s", exc)
            raise Rejected(503, "M_UNKNOWN", f"not applied yet: {exc}") from exc
