"""The upload check: Takedown's verdict on each upload, as Synapse's spam checker wants it."""

from __future__ import annotations

import logging

from takedown_synapse.takedown_api import (
    TakedownClient,
    TakedownRefused,
    TakedownUnavailable,
    Upload,
)

log = logging.getLogger(__name__)

SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
)


def sniff(data: bytes) -> str | None:
    """The media type from the first bytes (Synapse's callback is not told it)."""
    for magic, mime in SIGNATURES:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


def verdict(takedown: TakedownClient, upload: Upload, fail_open: bool) -> str:
    """`allow`, `hold` or `block`. Takedown unreachable or slower than `timeout_s`: `allow`
    when failing open, `block` when failing closed. A file Takedown cannot fingerprint (not
    an image or video) is checked again by its MD5 and SHA-256."""
    try:
        try:
            return takedown.check_upload(upload)
        except TakedownRefused as exc:
            log.info(
                "Takedown could not read upload %s (%s): checking its hashes", upload.media_id, exc
            )
            return takedown.check_upload_hashes(upload)
    except (TakedownUnavailable, TakedownRefused) as exc:
        outcome = "allow" if fail_open else "block"
        log.warning("upload check of %s failed (%s): %s", upload.media_id, exc, outcome)
        return outcome
