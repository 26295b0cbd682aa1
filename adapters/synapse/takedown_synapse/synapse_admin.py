"""Synapse's admin API, over HTTP with the adapter's admin account's token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

ADMIN = "/_synapse/admin"


class SynapseUnavailable(RuntimeError):
    """Synapse did not answer, or answered with a server error: try again later."""


class NotFound(LookupError):
    """Synapse does not know the event, media or user."""


@dataclass(frozen=True)
class Mxc:
    server: str
    media_id: str

    @classmethod
    def parse(cls, uri: object) -> Mxc | None:
        if not isinstance(uri, str) or not uri.startswith("mxc://"):
            return None
        server, _, media_id = uri[len("mxc://") :].partition("/")
        if not server or not media_id or "/" in media_id:
            return None
        return cls(server, media_id)

    def __str__(self) -> str:
        return f"mxc://{self.server}/{self.media_id}"


def _q(value: str) -> str:
    return quote(value, safe="")


class SynapseAdmin:
    def __init__(self, base_url: str, token: Callable[[], str], timeout: float) -> None:
        self.token = token
        self.http = httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def whoami(self, token: str) -> str | None:
        """The user a token belongs to, or None when it no longer works."""
        headers = {"authorization": f"Bearer {token}"}
        try:
            answer = self.http.get("/_matrix/client/v3/account/whoami", headers=headers)
        except httpx.HTTPError as exc:
            raise SynapseUnavailable(f"whoami: {exc!r}") from exc
        return answer.json().get("user_id") if answer.status_code == 200 else None

    def event_reports(self, offset: int, limit: int) -> dict:
        """Newest first: {event_reports: [...], next_token?, total}."""
        return self._call("GET", "/v1/event_reports", params={"from": offset, "limit": limit})

    def event(self, event_id: str) -> dict:
        return self._call("GET", f"/v1/fetch_event/{_q(event_id)}")["event"]

    def media(self, mxc: Mxc) -> dict:
        return self._call("GET", f"/v1/media/{_q(mxc.server)}/{_q(mxc.media_id)}")["media_info"]

    def quarantine(self, mxc: Mxc) -> None:
        self.media(mxc)  # quarantining unknown media is silently nothing: make it an error
        self._call("POST", f"/v1/media/quarantine/{_q(mxc.server)}/{_q(mxc.media_id)}")

    def unquarantine(self, mxc: Mxc) -> None:
        self._call("POST", f"/v1/media/unquarantine/{_q(mxc.server)}/{_q(mxc.media_id)}")

    def delete_media(self, mxc: Mxc) -> None:
        self._call("DELETE", f"/v1/media/{_q(mxc.server)}/{_q(mxc.media_id)}")

    def redact(self, event: dict, reason: str) -> str:
        """Redact exactly this event: the user-redaction job puppets its sender at the
        event's own place in the room (so it works after the sender is deactivated),
        limited to the room and to the event's timestamp."""
        ts = int(event["origin_server_ts"])
        body = {"rooms": [event["room_id"]], "reason": reason, "before_ts": ts, "after_ts": ts}
        answer = self._call("POST", f"/v1/user/{_q(event['sender'])}/redact", json=body)
        return str(answer["redact_id"])

    def redaction_status(self, redact_id: str) -> dict:
        return self._call("GET", f"/v1/user/redact_status/{_q(redact_id)}")

    def deactivate(self, user_id: str) -> None:
        self._call("POST", f"/v1/deactivate/{_q(user_id)}", json={"erase": False})

    def _call(self, method: str, path: str, **kwargs: object) -> dict:
        headers = {"authorization": f"Bearer {self.token()}"}
        try:
            response = self.http.request(method, ADMIN + path, headers=headers, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise SynapseUnavailable(f"{method} {path}: {exc!r}") from exc
        if response.status_code == 404:
            raise NotFound(f"{method} {path}: {response.text[:300]}")
        if response.status_code >= 400:
            raise SynapseUnavailable(
                f"{method} {path}: HTTP {response.status_code} {response.text[:300]}"
            )
        return response.json() if response.content else {}
