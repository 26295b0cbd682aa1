"""Smoke test of `takedown bench hash` (no timing assertions)."""

from __future__ import annotations

from takedown.bench.hashing import run


def test_bench_hash_runs_and_stays_close() -> None:
    result = run(images=3, seed=1)
    for key in ("ms_per_image", "baseline_ms_per_image", "ratio", "machine"):
        assert key in result
    assert result["images"] == 3
    assert isinstance(result["max_bits_from_baseline"], int)
    assert result["max_bits_from_baseline"] <= 10
    assert result["ms_per_image"] > 0 and result["baseline_ms_per_image"] > 0
    machine = result["machine"]
    assert isinstance(machine, dict) and machine["cores"]
