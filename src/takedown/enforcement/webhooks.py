"""Standard Webhooks: sign and send one message."""

from __future__ import annotations

import json
import threading
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


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _shared_client() -> httpx.Client:
    """One pooled client per process: a new client per call costs an SSL context each."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(limits=httpx.Limits(max_connections=64), follow_redirects=False)
        return _client


def send(url: str, headers: dict[str, str], body: str, timeout: float) -> httpx.Response:
    return _shared_client().post(url, content=body.encode(), headers=headers, timeout=timeout)
