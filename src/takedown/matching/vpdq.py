"""Turn per-hash index hits into media matches, by vPDQ's rule for videos."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from takedown.fingerprints import VPDQ_MATCH_PERCENT
from takedown.matching.engine import FollowedIndex
from takedown.matching.query import MediaQuery

K = TypeVar("K", bound=Hashable)  # what a group is: a bank entry set, a content item


@dataclass
class GroupHit(Generic[K]):
    key: K
    distance: int
    query_pct: float
    target_pct: float
    ids: list[int]


def pdq_groups(
    index: FollowedIndex,
    query: MediaQuery,
    radius: int,
    keys_of: Callable[[list[int]], dict[int, K]],
    sizes_of: Callable[[list[K]], dict[K, int]],
) -> list[GroupHit[K]]:
    """Groups (a bank entry set, a content item) matched: any hit for a still image; for a
    video, the shares of query frames and of the group's frames matched (vPDQ's rule)."""
    if not query.pdqs:
        return []
    frame_hits = [index.near(orientations, radius) for orientations in query.pdqs]
    ids = sorted({int(i) for m in frame_hits for i in m.ids})
    if not ids:
        return []
    keys = keys_of(ids)
    frames_by_key: dict[K, set[int]] = defaultdict(set)
    targets_by_key: dict[K, set[int]] = defaultdict(set)
    best: dict[K, int] = {}
    for frame, matches in enumerate(frame_hits):
        for raw_id, dist in zip(matches.ids, matches.distances, strict=True):
            key = keys[int(raw_id)]
            frames_by_key[key].add(frame)
            targets_by_key[key].add(int(raw_id))
            best[key] = min(best.get(key, 256), int(dist))
    sizes = sizes_of(list(best))
    hits = []
    for key, distance in best.items():
        query_pct = 100.0 * len(frames_by_key[key]) / len(query.pdqs)
        target_pct = 100.0 * len(targets_by_key[key]) / max(sizes.get(key, 1), 1)
        single = len(query.pdqs) == 1 and sizes.get(key, 1) == 1
        if single or (query_pct >= VPDQ_MATCH_PERCENT and target_pct >= VPDQ_MATCH_PERCENT):
            hits.append(
                GroupHit(
                    key,
                    distance,
                    round(query_pct, 1),
                    round(target_pct, 1),
                    sorted(targets_by_key[key]),
                )
            )
    return sorted(hits, key=lambda h: (h.distance, str(h.key)))


def exact_ids(index: FollowedIndex, query: MediaQuery) -> dict[str, np.ndarray]:
    out = {}
    if query.md5 is not None:
        out["md5"] = index.lookup("md5", query.md5)
    if query.sha256 is not None:
        out["sha256"] = index.lookup("sha256", query.sha256)
    return out
