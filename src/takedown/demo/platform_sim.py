"""A simulated platform that talks to Takedown only through its public API and webhooks."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 makes parallel deliveries wait a TCP retry (1 s).
    request_queue_size = 128
    daemon_threads = True


@dataclass
class Post:
    id: str
    author: str
    repost_of: str | None
    created_h: float
    visible: bool = True
    shareable: bool = True
    views: int = 0
    last_action_id: int = 0


@dataclass
class SimPlatform:
    """Its own copy of each post's state, changed only by Takedown's signed webhooks."""

    api_url: str
    api_key: str = ""
    webhook_secret: str = ""
    posts: dict[str, Post] = field(default_factory=dict)
    received: list[tuple[float, dict]] = field(default_factory=list)
    rejected_signatures: int = 0
    suspended: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start_receiver(self) -> str:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                ok = platform.on_webhook(body, {k.lower(): v for k, v in self.headers.items()})
                self.send_response(204 if ok else 400)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.client = httpx.Client(
            base_url=self.api_url, timeout=30, headers={"authorization": f"Bearer {self.api_key}"}
        )
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/takedown-hooks"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self.client.close()

    def on_webhook(self, body: bytes, headers: dict[str, str]) -> bool:
        try:
            Webhook(self.webhook_secret).verify(body, headers)
        except WebhookVerificationError:
            self.rejected_signatures += 1
            return False
        event = json.loads(body)
        with self.lock:
            self.received.append((time.monotonic(), event))
            self._apply(event)
        return True

    def _apply(self, event: dict) -> None:
        data = event["data"]
        post = self.posts.get(data.get("content_id", ""))
        kind = event["type"]
        if post is not None:
            # Apply only newer actions: a retried old event must not undo a newer one.
            if data.get("action_id", 0) <= post.last_action_id:
                return
            post.last_action_id = data.get("action_id", 0)
        if kind == "account.suspended":
            self.suspended.add(data["account_id"])
        elif post and kind in ("content.restricted", "content.removed"):
            post.visible = post.shareable = False
        elif post and kind == "content.restored":
            post.visible = post.shareable = True

    def publish(self, post: Post, media: bytes | None = None) -> str:
        """Register with Takedown first (with the file, for an upload); publish on `allow`."""
        body = {
            "id": post.id,
            "author_id": post.author,
            "media_type": "video",
            "url": f"https://sim.example/p/{post.id}",
        }
        if post.repost_of:
            body["repost_of"] = post.repost_of
        if media is None:
            response = self.client.post("/v1/content", json=body)
        else:
            response = self.client.post(
                "/v1/content",
                data={"metadata": json.dumps(body)},
                files={"media": (f"{post.id}.mp4", media, "video/mp4")},
            )
        response.raise_for_status()
        verdict = response.json()["verdict"]
        post.visible = post.shareable = verdict == "allow"
        with self.lock:
            self.posts[post.id] = post
        return verdict

    def view(self, post: Post, count: int) -> None:
        if count <= 0:
            return
        post.views += count
        self.client.post(f"/v1/content/{post.id}/views", json={"count": count}).raise_for_status()

    def first_event(self, kind: str, content_id: str | None = None) -> float | None:
        with self.lock:
            for at, event in self.received:
                if event["type"] == kind and (
                    content_id is None or event["data"].get("content_id") == content_id
                ):
                    return at
        return None
