"""A Matrix client for the tests: what Element would send, over the client-server API."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from tests.synapse.homeserver import Homeserver


def q(value: str) -> str:
    return quote(value, safe="")


def register(server: Homeserver, username: str, *, admin: bool = False) -> MatrixUser:
    """A user made with the registration shared secret (Synapse's admin API)."""
    url = f"{server.url}/_synapse/admin/v1/register"
    nonce = httpx.get(url, timeout=30).json()["nonce"]
    password = uuid.uuid4().hex
    message = b"\x00".join(
        [nonce.encode(), username.encode(), password.encode(), b"admin" if admin else b"notadmin"]
    )
    mac = hmac.new(server.shared_secret.encode(), message, hashlib.sha1).hexdigest()
    body = {"nonce": nonce, "username": username, "password": password, "admin": admin, "mac": mac}
    answer = httpx.post(url, json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    return MatrixUser(server, data["user_id"], data["access_token"])


@dataclass
class MatrixUser:
    server: Homeserver
    user_id: str
    token: str

    def call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}"}
        extra = kwargs.pop("headers", None)
        if isinstance(extra, dict):
            headers.update(extra)
        return httpx.request(method, self.server.url + path, headers=headers, timeout=60, **kwargs)  # type: ignore[arg-type]

    def ok(self, method: str, path: str, **kwargs: object) -> dict:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def create_room(self) -> str:
        body = {"preset": "public_chat", "name": f"room {uuid.uuid4().hex[:6]}"}
        return self.ok("POST", "/_matrix/client/v3/createRoom", json=body)["room_id"]

    def join(self, room_id: str) -> None:
        self.ok("POST", f"/_matrix/client/v3/join/{q(room_id)}", json={})

    def upload(self, data: bytes, name: str = "picture.jpg") -> httpx.Response:
        return self.call(
            "POST",
            f"/_matrix/media/v3/upload?filename={q(name)}",
            content=data,
            headers={"content-type": "image/jpeg"},
        )

    def send(self, room_id: str, content: dict) -> str:
        path = f"/_matrix/client/v3/rooms/{q(room_id)}/send/m.room.message/{uuid.uuid4().hex}"
        return self.ok("PUT", path, json=content)["event_id"]

    def send_image(self, room_id: str, mxc: str, **extra: object) -> str:
        content = {"msgtype": "m.image", "body": "picture.jpg", "url": mxc}
        content.update(extra)
        return self.send(room_id, content)

    def report(self, room_id: str, event_id: str, reason: str) -> None:
        path = f"/_matrix/client/v3/rooms/{q(room_id)}/report/{q(event_id)}"
        self.ok("POST", path, json={"reason": reason, "score": -100})

    def download(self, mxc: str) -> httpx.Response:
        server, media_id = mxc.removeprefix("mxc://").split("/", 1)
        return self.call("GET", f"/_matrix/client/v1/media/download/{q(server)}/{q(media_id)}")

    def media_info(self, mxc: str) -> dict:
        """Synapse's own record of the media (this user must be an admin)."""
        server, media_id = mxc.removeprefix("mxc://").split("/", 1)
        return self.ok("GET", f"/_synapse/admin/v1/media/{q(server)}/{q(media_id)}")["media_info"]

    def room_event(self, room_id: str, event_id: str) -> dict:
        """The event as a member of the room sees it."""
        return self.ok("GET", f"/_matrix/client/v3/rooms/{q(room_id)}/event/{q(event_id)}")

    def event(self, event_id: str) -> dict:
        return self.ok("GET", f"/_synapse/admin/v1/fetch_event/{q(event_id)}")["event"]

    def whoami(self) -> httpx.Response:
        return self.call("GET", "/_matrix/client/v3/account/whoami")
