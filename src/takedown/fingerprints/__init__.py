"""Fingerprints: PDQ, MD5/SHA-256 and vPDQ-compatible video frame hashes, with safe decoding.

Pure functions, no database. What other rooms may call is exported here.
"""

from takedown.fingerprints.decode import Limits
from takedown.fingerprints.errors import (
    DecodeTimeout,
    EmptyMedia,
    FingerprintError,
    InvalidHash,
    NotMedia,
    TooLarge,
    TooManyPixels,
    TruncatedMedia,
    UnreadableMedia,
)
from takedown.fingerprints.exact import ExactDigests, digest_bytes, digest_file
from takedown.fingerprints.hamming import (
    bytes_to_hex,
    hamming_distance,
    hex_to_bytes,
    normalize_hex,
)
from takedown.fingerprints.pdq import (
    DIHEDRAL_NAMES,
    PDQ_DISTANCE_THRESHOLD,
    PDQ_QUALITY_THRESHOLD,
    PdqHash,
    best_dihedral_distance,
    pdq_distance,
    pdq_match,
)
from takedown.fingerprints.preview import blurred_preview
from takedown.fingerprints.service import (
    Fingerprint,
    hash_bytes,
    hash_path,
    image_pdq,
    pdq_dihedral,
    set_decode_slots,
)
from takedown.fingerprints.signals import SIGNAL_TYPES, SignalType
from takedown.fingerprints.video import (
    VPDQ_MATCH_PERCENT,
    FrameHash,
    vpdq_is_match,
    vpdq_match,
)

__all__ = [
    "DIHEDRAL_NAMES",
    "PDQ_DISTANCE_THRESHOLD",
    "PDQ_QUALITY_THRESHOLD",
    "SIGNAL_TYPES",
    "VPDQ_MATCH_PERCENT",
    "DecodeTimeout",
    "EmptyMedia",
    "ExactDigests",
    "Fingerprint",
    "FingerprintError",
    "FrameHash",
    "InvalidHash",
    "Limits",
    "NotMedia",
    "PdqHash",
    "SignalType",
    "TooLarge",
    "TooManyPixels",
    "TruncatedMedia",
    "UnreadableMedia",
    "best_dihedral_distance",
    "blurred_preview",
    "bytes_to_hex",
    "digest_bytes",
    "digest_file",
    "hamming_distance",
    "hash_bytes",
    "hash_path",
    "hex_to_bytes",
    "image_pdq",
    "normalize_hex",
    "pdq_dihedral",
    "pdq_distance",
    "pdq_match",
    "set_decode_slots",
    "vpdq_is_match",
    "vpdq_match",
]
