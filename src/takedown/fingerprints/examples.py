"""Benign synthetic pictures (gradients, shapes, noise) for tests, examples and benchmarks."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def synthetic_image(rng: np.random.Generator, width: int = 1280, height: int = 800) -> Image.Image:
    """A textured RGB picture: smooth colour waves, a few dozen flat shapes, pixel noise."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for _ in range(3):
        fx, fy = rng.uniform(40.0, 300.0, size=2)
        phase = rng.uniform(0.0, 2 * np.pi)
        channels.append(127.0 + 100.0 * np.sin(xs / fx + phase) * np.cos(ys / fy + phase))
    pixels = np.stack(channels, axis=-1) + rng.normal(0.0, 12.0, size=(height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1 = x0 + int(rng.integers(20, width // 3))
        y1 = y0 + int(rng.integers(20, height // 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        (draw.rectangle if rng.integers(0, 2) else draw.ellipse)((x0, y0, x1, y1), fill=colour)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    """The image encoded in memory (JPEG quality 90 unless told otherwise)."""
    if fmt == "JPEG":
        options.setdefault("quality", 90)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def synthetic_jpeg(seed: int, width: int = 1280, height: int = 800) -> bytes:
    """A synthetic_image as JPEG bytes, reproducible from its seed."""
    return encode(synthetic_image(np.random.default_rng(seed), width, height))
