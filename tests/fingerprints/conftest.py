"""Fixtures of the fingerprints tests: benign generated pictures and shared data paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from takedown.fingerprints.examples import encode, synthetic_image
from tests.fingerprints.shared_data import PDQ_DIR, VPDQ_DIR, require


@pytest.fixture(scope="session")
def pdq_dir() -> Path:
    return require(PDQ_DIR)


@pytest.fixture(scope="session")
def vpdq_dir() -> Path:
    return require(VPDQ_DIR)


@pytest.fixture(scope="session")
def picture() -> Image.Image:
    """A 640x480 benign synthetic picture."""
    return synthetic_image(np.random.default_rng(11), 640, 480)


@pytest.fixture(scope="session")
def jpeg_bytes(picture: Image.Image) -> bytes:
    return encode(picture, "JPEG")


@pytest.fixture(scope="session")
def png_bytes(picture: Image.Image) -> bytes:
    return encode(picture, "PNG")
