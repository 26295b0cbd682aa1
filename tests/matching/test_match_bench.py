"""Smoke test of the match benchmark (no timing assertions)."""

from takedown.bench.match import run

KEYS = {
    "n", "radius", "queries", "recall", "ms_per_query", "faiss_flat_ms_per_query",
    "faiss_mih_ms_per_query", "ratio_vs_faiss_flat", "ratio_vs_faiss_mih",
    "ms_per_query_8_orientations", "faiss_flat_ms_8_lookups",
    "ratio_8_orientations_vs_faiss_flat", "index_bytes", "build_s", "faiss_mih_build_s",
    "machine",
}  # fmt: skip


def test_bench_smoke():
    result = run(n=20_000, queries=20, radius=31, seed=1)
    assert result.keys() >= KEYS
    assert result["recall"] == 1.0
    assert result["identical_to_brute_force"]
    assert result["identical_to_brute_force_8_orientations"]
    assert result["n"] == 20_000
    assert result["matches_per_query"] >= 2  # planted neighbours were found
