"""PDQ image hashes, computed by Meta's reference C++ (`pdqhash`).

PDQ blurs the luma with two passes of Jarosz box filters sized from the picture's
dimensions, samples a 64x64 grid, and hashes that grid; `pdqhash.compute` does all of it
on a full-resolution RGB array. Decoding a 1-megapixel JPEG at full size costs far more
than hashing it, so big JPEGs are decoded at 1/2..1/8 scale in the DCT domain instead,
and pdqhash's blur-and-sample step is reproduced with the *full-resolution* geometry
(same window sizes, same sample positions) as one small banded sampling matrix per axis
applied to the reduced pixels. The resulting 64x64 grid goes to `pdqhash`, whose filter
is the identity at 64x64, for the DCT, quality and bits. On the conformance set and the
benchmark this stays within 4 bits of the full-decode hash (tests hold it to 10).
Pictures that were not reduced go to `pdqhash.compute` unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pdqhash

from takedown.fingerprints.hamming import bits_to_hex, hamming_distance

PDQ_DISTANCE_THRESHOLD = 31
PDQ_QUALITY_THRESHOLD = 50
GRID = 64
MIN_HASHABLE_SIDE = 5
ZERO_HASH = "0" * 64
DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
LUMA_COEFFS = np.array([0.299, 0.587, 0.114], dtype=np.float32)

# Sub-integer luma levels reachable by adding 0 or 1 to each of R, G, B of a grey pixel:
# pdqhash recomputes luma as .299R + .587G + .114B, so a 64x64 float grid survives the
# trip through uint8 RGB to within 0.06 instead of 0.5.
_LEVELS = np.array([0.0, 0.114, 0.299, 0.413, 0.587, 0.701, 0.886, 1.0], dtype=np.float32)
_OFFSETS = np.array(
    [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1], [0, 1, 0], [0, 1, 1], [1, 1, 0], [1, 1, 1]],
    dtype=np.int16,
)
_LUT_STEPS = 1000
_NEAREST_LEVEL = np.abs(np.linspace(0.0, 1.0, _LUT_STEPS + 1)[:, None] - _LEVELS).argmin(axis=1)


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A PDQ hash as 64 hex digits and its quality (0-100; below 50 means "do not match")."""

    hex: str
    quality: int

    @property
    def usable(self) -> bool:
        return self.quality >= PDQ_QUALITY_THRESHOLD


@dataclass(frozen=True, slots=True)
class Raster:
    """Decoded pixels ready for PDQ.

    pixels: uint8 RGB (h, w, 3), or luma (h, w) as uint8 or float32.
    full_size: (width, height) of the picture before any reduction.
    scale: each pixel stands for a scale x scale block of the full picture.
    gain, offset: true luma = gain * pixels + offset (limited-range video luma).
    """

    pixels: np.ndarray
    full_size: tuple[int, int]
    scale: int = 1
    gain: float = 1.0
    offset: float = 0.0

    @property
    def is_reference_input(self) -> bool:
        """True when pdqhash.compute can take the pixels as they are."""
        return self.scale == 1 and self.pixels.ndim == 3 and self.gain == 1.0 and self.offset == 0.0


def pdq_hash(raster: Raster) -> PdqHash:
    """PDQ hash and quality of decoded pixels."""
    if min(raster.full_size) < MIN_HASHABLE_SIDE:
        return PdqHash(ZERO_HASH, 0)
    bits, quality = pdqhash.compute(_pdqhash_input(raster))
    return PdqHash(bits_to_hex(bits), int(quality))


def pdq_dihedral_hashes(raster: Raster) -> tuple[PdqHash, ...]:
    """The 8 PDQ hashes of the picture's rotations and flips, in DIHEDRAL_NAMES order."""
    if min(raster.full_size) < MIN_HASHABLE_SIDE:
        return tuple(PdqHash(ZERO_HASH, 0) for _ in DIHEDRAL_NAMES)
    vectors, quality = pdqhash.compute_dihedral(_pdqhash_input(raster))
    return tuple(PdqHash(bits_to_hex(bits), int(quality)) for bits in vectors)


def pdq_hash_and_dihedral(raster: Raster, dihedral: bool) -> tuple[PdqHash, tuple[str, ...]]:
    """The plain hash and, when asked, the 8 orientations' hex hashes (DIHEDRAL_NAMES order).

    Either way it is one pdqhash call; the dihedral call's first hash is the plain hash.
    """
    if not dihedral:
        return pdq_hash(raster), ()
    hashes = pdq_dihedral_hashes(raster)
    return hashes[0], tuple(h.hex for h in hashes)


def best_dihedral_distance(query_dihedral: Sequence[str], target: str) -> int:
    """Smallest distance between any orientation of the query and a stored plain hash."""
    if not query_dihedral:
        raise ValueError("no dihedral hashes to compare")
    return min(hamming_distance(query, target) for query in query_dihedral)


def pdq_distance(a: str | bytes, b: str | bytes) -> int:
    """Hamming distance between two PDQ hashes."""
    return hamming_distance(a, b)


def pdq_match(a: str | bytes, b: str | bytes, threshold: int = PDQ_DISTANCE_THRESHOLD) -> bool:
    """PDQ's match rule: distance at most `threshold` (31 by default, as HMA uses)."""
    return hamming_distance(a, b) <= threshold


def downsample_to_grid(raster: Raster) -> np.ndarray:
    """The 64x64 float32 luma grid PDQ hashes, using the full-resolution filter geometry."""
    width, height = raster.full_size
    row_idx, row_w = _axis_taps(height, raster.scale)
    col_idx, col_w = _axis_taps(width, raster.scale)
    pixels = raster.pixels
    expected = (-(-height // raster.scale), -(-width // raster.scale))
    if pixels.shape[:2] != expected:
        raise ValueError(f"raster {pixels.shape[:2]} is not {raster.full_size} / {raster.scale}")
    # Each output row/column only reads a few pixels: gather them instead of a dense matmul.
    rows = np.einsum("rk,rk...->r...", row_w, pixels[row_idx], dtype=np.float32)
    if rows.ndim == 3:
        rows = rows @ LUMA_COEFFS
    grid = np.einsum("ck,rck->rc", col_w, rows[:, col_idx], dtype=np.float32)
    if raster.gain != 1.0 or raster.offset != 0.0:
        grid = grid * np.float32(raster.gain) + np.float32(raster.offset)
    return grid


def _pdqhash_input(raster: Raster) -> np.ndarray:
    if raster.is_reference_input:
        return np.ascontiguousarray(raster.pixels, dtype=np.uint8)
    return _grid_to_rgb(downsample_to_grid(raster))


def _grid_to_rgb(grid: np.ndarray) -> np.ndarray:
    """Encode float luma into uint8 RGB whose PDQ luma is within 0.06 of it."""
    clipped = np.clip(grid, 0.0, 255.0)
    base = np.floor(clipped)
    nearest = _NEAREST_LEVEL[np.rint((clipped - base) * _LUT_STEPS).astype(np.intp)]
    rgb = base.astype(np.int16)[..., None] + _OFFSETS[nearest]
    return np.ascontiguousarray(np.clip(rgb, 0, 255), dtype=np.uint8)


def _jarosz_window(full: int) -> int:
    """pdqhash's computeJaroszFilterWindowSize(full, 64)."""
    return (full + 2 * GRID - 1) // (2 * GRID)


def _box_transposed(rows: np.ndarray, window: int) -> np.ndarray:
    """rows @ B, where B is pdqhash's box1DFloat as an n x n matrix.

    box1DFloat writes out[k] = mean(in[k - left .. k + right]) clipped to the vector,
    so (rows @ B)[j] = sum of rows[k] / count[k] for k in [j - right, j + left].
    """
    n = rows.shape[1]
    half = (window + 2) // 2
    left, right = window - half, half - 1
    k = np.arange(n)
    counts = np.minimum(n - 1, k + right) - np.maximum(0, k - left) + 1
    csum = np.zeros((rows.shape[0], n + 1))
    np.cumsum(rows / counts, axis=1, out=csum[:, 1:])
    return csum[:, np.minimum(n, k + left + 1)] - csum[:, np.maximum(0, k - right)]


@functools.lru_cache(maxsize=256)
def _axis_taps(full: int, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """_axis_sampler as (64, k) column indices and weights: each row's nonzero band."""
    sampler = _axis_sampler(full, scale)
    nonzero = sampler != 0
    first = nonzero.argmax(axis=1)
    last = sampler.shape[1] - 1 - nonzero[:, ::-1].argmax(axis=1)
    taps = np.arange(int((last - first).max()) + 1)
    idx = first[:, None] + taps
    inside = idx <= last[:, None]
    idx = np.minimum(idx, sampler.shape[1] - 1)
    weights = np.where(inside, np.take_along_axis(sampler, idx, axis=1), 0).astype(np.float32)
    idx.flags.writeable = weights.flags.writeable = False
    return idx, weights


def _axis_sampler(full: int, scale: int) -> np.ndarray:
    """64 x ceil(full/scale) matrix: two Jarosz passes and decimation of a `full`-long axis,
    applied to an axis reduced `scale` times (each reduced pixel = mean of its block)."""
    picks = ((np.arange(GRID) + 0.5) * full / GRID).astype(np.int64)
    sampler = np.zeros((GRID, full))
    sampler[np.arange(GRID), picks] = 1.0
    window = _jarosz_window(full)
    for _ in range(2):
        sampler = _box_transposed(sampler, window)
    reduced = -(-full // scale)
    sampler = np.pad(sampler, ((0, 0), (0, reduced * scale - full)))
    result = sampler.reshape(GRID, reduced, scale).sum(axis=2).astype(np.float32)
    result.flags.writeable = False
    return result
