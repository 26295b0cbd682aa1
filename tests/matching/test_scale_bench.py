"""Smoke tests of `takedown bench memory` and `takedown bench shards` at tiny sizes: they run
real processes over the test database and report sensible shapes (no timing asserted)."""

from __future__ import annotations

from takedown.bench import memory, shards


def test_memory_bench_compares_shared_and_private_processes(settings):
    result = memory.run(n=3000, processes=2, seed=5, settings=settings)
    for mode in ("private", "shared"):
        group = result[mode]["per_process"]
        assert len(group) == 2
        assert all(g["uss_mb"] > 0 and g["pss_mb"] <= g["rss_mb"] for g in group), group
    assert all(g["where"] == "private copy" for g in result["private"]["per_process"])
    assert all(
        g["where"].startswith("shared generation 1") for g in result["shared"]["per_process"]
    )  # the second process mapped what the first one built
    assert result["index_mapped_mb"] > 0
    assert not list(settings.data_dir.glob("bench-index-*"))  # its files are cleaned up


def test_shard_bench_merges_to_exactly_the_single_index(settings):
    result = shards.run(n=4000, shards=2, seed=6, settings=settings, batch=66)
    assert result["identical_to_one_index"]
    assert result["matches"] > 0
    rows = [s["rows"] for s in result["per_shard"]]
    assert len(rows) == 2 and all(r > 0 for r in rows)
    assert result["sharded_lookups_per_s"] > 0 and result["empty_round_trip_ms"] > 0
