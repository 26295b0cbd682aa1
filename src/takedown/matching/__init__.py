"""Banks of known hashes and the exact in-memory match index."""

from takedown.matching.index import ExactIndex, Matches, PdqIndex, warm_up

__all__ = ["ExactIndex", "Matches", "PdqIndex", "warm_up"]
