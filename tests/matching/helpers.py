"""Benign generated images and their trafficker-style copies, for matching tests."""

from __future__ import annotations

import json

import httpx

from takedown.demo.media import image_variant, synthetic_image


def image(seed: int) -> bytes:
    return synthetic_image(seed)


def copy_of(data: bytes, *, crop: float = 0.01) -> bytes:
    """Re-encoded, resized, cropped a little (per edge) and mirrored, as a re-uploader would.

    PDQ stops matching past about 1-1.5 % cropped from each edge."""
    return image_variant(data, mirror=True, crop=crop, quality=70, scale=0.8)


def upload(
    client: httpx.Client, key: str, content_id: str, author: str, media: bytes, **fields: object
) -> httpx.Response:
    metadata = {
        "id": content_id,
        "author_id": author,
        "media_type": "image",
        "url": f"https://example.social/p/{content_id}",
        **fields,
    }
    return client.post(
        "/v1/content",
        data={"metadata": json.dumps(metadata)},
        files={"media": (f"{content_id}.jpg", media, "image/jpeg")},
        headers={"authorization": f"Bearer {key}"},
    )


def check(
    client: httpx.Client, key: str, media: bytes | None = None, hashes: dict | None = None
) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"}
    if media is not None:
        return client.post(
            "/v1/check", files={"media": ("x.jpg", media, "image/jpeg")}, headers=headers
        )
    return client.post("/v1/check", json={"hashes": hashes}, headers=headers)
