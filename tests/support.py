"""Test helpers: a live server in a thread and a webhook receiver (a platform's side)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

from takedown.web.live import LiveServer, free_port

__all__ = ["LiveServer", "SmtpSink", "WebhookReceiver", "free_port", "wait_for"]


def deployment_env(settings, **more: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The environment of a `takedown` subprocess run as a deployment would run it against
    the tests' database: the service's role, the owner for migrations, the tests' data
    directory (its index files and evidence, not $HOME's)."""
    env = {
        **os.environ,
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "TAKEDOWN_DATA_DIR": str(settings.data_dir),
        **more,
    }
    if settings.migrate_database_url:
        env["TAKEDOWN_MIGRATE_DATABASE_URL"] = settings.migrate_database_url
    return env


def wait_for(check: Callable[[], object], *, timeout: float = 30.0, what: str = "condition"):
    """Poll until `check()` is truthy. A bound on waiting, not a speed assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 makes parallel deliveries wait a TCP retry (1 s).
    request_queue_size = 128
    daemon_threads = True


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A platform's webhook endpoint. `fail_next` answers 503 that many times first.
    `respond`, when set, sees each event first (it may block, to hold a delivery in flight)
    and returns the status to answer, or None for the default behaviour."""

    secret: str | None = None
    fail_next: int = 0
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    respond: Callable[[dict], int | None] | None = None

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.attempts += 1
                code = receiver.respond(json.loads(body)) if receiver.respond else None
                if code is None and receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    code = 503
                if code is not None and not 200 <= code < 300:
                    self.send_response(code)
                    self.end_headers()
                    return
                receiver.received.append(Received(dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def events(self, event_type: str | None = None) -> list[dict]:
        out = [r.json for r in self.received]
        return [e for e in out if event_type is None or e["type"] == event_type]

    def verify_all(self) -> None:
        """Every received message carries a valid Standard Webhooks signature."""
        assert self.secret is not None
        hook = Webhook(self.secret)
        for r in self.received:
            hook.verify(r.body, {k.lower(): v for k, v in r.headers.items()})


class SmtpSink:
    """aiosmtpd on a loopback port; `messages` holds every e-mail received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope) -> str:
                sink.messages.append(message_from_bytes(envelope.content, policy=default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]
