"""PDQ against Meta's reference output on the shared test photos, colour modes included."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from PIL import Image

from takedown.fingerprints import hamming_distance, hash_bytes, hash_path, image_pdq
from takedown.fingerprints.decode import Limits, image_raster, open_image
from takedown.fingerprints.examples import synthetic_jpeg
from takedown.fingerprints.hamming import bits_to_hex
from tests.fingerprints.shared_data import PDQ_DIR, pdq_rows, skip_param

MAX_BITS = 10
ROWS = pdq_rows()
PARAMS = [pytest.param(row, id=row["path"]) for row in ROWS] or [skip_param()]


def reference_pdq(path: Path) -> str:
    """HMA's way: Pillow full decode, RGB, pdqhash on the full array."""
    with Image.open(path) as image:
        bits, _quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return bits_to_hex(bits)


@pytest.mark.parametrize("row", PARAMS)
def test_hash_matches_reference(row: dict[str, str]) -> None:
    result = hash_path(PDQ_DIR / row["path"])
    assert "error" not in result, result
    assert hamming_distance(result["pdq"], row["pdq_hex"]) <= MAX_BITS
    assert (result["pdq_quality"] >= 50) == (int(row["quality"]) >= 50)


def test_worst_distance_is_small(pdq_dir: Path) -> None:
    worst = max(hamming_distance(hash_path(pdq_dir / r["path"])["pdq"], r["pdq_hex"]) for r in ROWS)
    assert worst <= 4  # measured 4; a regression in the fast path shows here first


@pytest.mark.parametrize("mode", ["1", "CMYK", "I.webp", "L", "LA", "P", "RGBA", "YCbCr"])
def test_colour_modes_hash_like_the_original(pdq_dir: Path, mode: str) -> None:
    original = image_pdq(pdq_dir / "images/bridge-mods/aaa-orig.jpg")
    matches = sorted((pdq_dir / "images/modes").glob(f"{mode}.*" if "." not in mode else mode))
    assert len(matches) == 1
    assert hamming_distance(image_pdq(matches[0]).hex, original.hex) <= MAX_BITS


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_sixteen_bit_and_wide_grey_hash_like_eight_bit(pdq_dir: Path, mode: str) -> None:
    with Image.open(pdq_dir / "images/modes/L.png") as grey:
        values = np.asarray(grey, dtype=np.float64) * 257.0
    dtype = {"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]
    wide = Image.fromarray(values.astype(dtype))
    assert wide.mode == mode
    png = Path(pdq_dir / "images/modes/L.png").read_bytes()
    tiff = _encode(wide, "TIFF")
    assert hamming_distance(image_pdq(tiff).hex, image_pdq(png).hex) <= 2


def test_alpha_is_dropped_not_composited() -> None:
    rng = np.random.default_rng(5)
    with Image.open(io.BytesIO(synthetic_jpeg(5, 300, 300))) as image:
        rgba = image.convert("RGBA")
    rgba.putalpha(Image.fromarray(rng.integers(0, 256, (300, 300), dtype=np.uint8)))
    assert image_pdq(_encode(rgba, "PNG")).hex == image_pdq(_encode(rgba.convert("RGB"), "PNG")).hex


def test_exif_rotation_is_not_applied(pdq_dir: Path) -> None:
    path = pdq_dir / "images/misc/exif-rotn-6.jpg"
    result = hash_path(path)
    assert (result["width"], result["height"]) == (4032, 3024)  # stored, not displayed, size
    assert hamming_distance(result["pdq"], reference_pdq(path)) <= MAX_BITS


def test_big_jpegs_take_the_reduced_path_and_stay_close(pdq_dir: Path) -> None:
    path = pdq_dir / "images/bridge-mods/aaa-orig.jpg"
    with open_image(path, Limits()) as image:
        raster = image_raster(image)
    assert raster.scale == 4 and raster.full_size == (1600, 1004)
    assert hamming_distance(image_pdq(path).hex, reference_pdq(path)) <= MAX_BITS


@pytest.mark.parametrize("seed", range(6))
def test_synthetic_megapixel_jpegs_stay_within_ten_bits(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "picture.jpg"
    path.write_bytes(synthetic_jpeg(seed, 1280, 800))
    assert hamming_distance(image_pdq(path).hex, reference_pdq(path)) <= MAX_BITS


def test_small_images_are_hashed_by_the_reference_unchanged(pdq_dir: Path) -> None:
    path = pdq_dir / "images/misc/wee.jpg"
    assert image_pdq(path).hex == reference_pdq(path)


def test_hash_bytes_and_hash_path_agree(pdq_dir: Path) -> None:
    path = pdq_dir / "images/misc/pen-and-coaster.png"
    fingerprint = hash_bytes(path.read_bytes(), filename=path.name)
    result = hash_path(path)
    assert fingerprint.to_dict() == {k: v for k, v in result.items() if k != "path"}
    assert fingerprint.kind == "image" and fingerprint.media_format == "PNG"


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()
