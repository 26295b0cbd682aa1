"""Takedown's public API, as a platform uses it: register content, check, report."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import httpx

from takedown_synapse.config import AdapterConfig


class TakedownUnavailable(RuntimeError):
    """Takedown did not answer in time, or answered with a server error: try again."""


class TakedownRefused(RuntimeError):
    """Takedown refused the request (4xx): sending it again will not help."""


@dataclass(frozen=True)
class Upload:
    media_id: str  # mxc://server/media_id
    uploader: str | None  # the local Matrix user, when Synapse's request names one
    mime: str | None
    data: bytes


def media_type(mime: str | None) -> str:
    head = (mime or "").split("/", 1)[0]
    return head if head in ("image", "video") else "other"


class TakedownClient:
    def __init__(self, config: AdapterConfig) -> None:
        self.config = config
        self.http = httpx.Client(
            base_url=config.takedown_url,
            timeout=config.timeout_s,
            headers={"authorization": f"Bearer {config.api_key}"},
            follow_redirects=False,
        )
        # Reports go without the key: the key's `flagger` scope would make every Matrix
        # user a trusted flagger, past the limits an anonymous report has.
        self.anonymous = httpx.Client(
            base_url=config.takedown_url, timeout=config.timeout_s, follow_redirects=False
        )

    def close(self) -> None:
        self.http.close()
        self.anonymous.close()

    def check_upload(self, upload: Upload) -> str:
        """`allow`, `hold` or `block`. An upload with a known uploader is registered as
        content (so later reports find its copies); one without (remote media, URL
        previews) is only checked. Bytes go up to `max_check_bytes`, hashes beyond."""
        if len(upload.data) > self.config.max_check_bytes:
            return self.check_upload_hashes(upload)
        files = {"media": ("upload", upload.data, upload.mime or "application/octet-stream")}
        if upload.uploader is None:
            return self._post("/v1/check", files=files)["verdict"]
        metadata = json.dumps(_content(upload))
        return self._post("/v1/content", data={"metadata": metadata}, files=files)["verdict"]

    def check_upload_hashes(self, upload: Upload) -> str:
        """The same, with the file's MD5 and SHA-256 in place of its bytes."""
        hashes = _hashes(upload.data)
        if upload.uploader is None:
            return self._post("/v1/check", json={"hashes": hashes})["verdict"]
        return self._post("/v1/content", json={**_content(upload), "hashes": hashes})["verdict"]

    def register(self, body: dict[str, object]) -> dict:
        """Mirror one item (idempotent on Takedown's side: a known id is left as it is)."""
        return self._post("/v1/content", json=body)

    def report(self, body: dict[str, object]) -> dict:
        """File a report as the platform's user would (no key: reports are anonymous)."""
        return self._post("/v1/reports", json=body, anonymous=True)

    def _post(self, path: str, *, anonymous: bool = False, **kwargs: object) -> dict:
        client = self.anonymous if anonymous else self.http
        try:
            response = client.post(path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise TakedownUnavailable(f"{path}: {exc!r}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TakedownUnavailable(f"{path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise TakedownRefused(f"{path}: HTTP {response.status_code} {response.text[:500]}")
        return response.json()


def _content(upload: Upload) -> dict[str, object]:
    """The upload as a content item: its mxc URI is its id and its link."""
    return {
        "id": upload.media_id,
        "author_id": upload.uploader,
        "url": upload.media_id,
        "media_type": media_type(upload.mime),
    }


def _hashes(data: bytes) -> dict[str, str]:
    return {"md5": hashlib.md5(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest()}
