"""Standard Webhooks: sign and send one message."""

from __future__ import annotations

import json
from datetime import datetime

import httpx
from standardwebhooks.webhooks import Webhook


def body_for(event_type: str, created_at: datetime, data: dict[str, object]) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": created_at.isoformat(), "data": data},
        separators=(",", ":"),
        default=str,
    )


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    signature = Webhook(secret).sign(message_id, sent_at, body)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }


def send(url: str, headers: dict[str, str], body: str, timeout: float) -> httpx.Response:
    return httpx.post(url, content=body.encode(), headers=headers, timeout=timeout)
