from __future__ import annotations

from takedown.bench.sync import run


def test_sync_bench_loads_everything_it_wrote(settings):
    result = run(n=3000, seed=3, settings=settings)
    assert result["loaded"] >= 3000
    assert result["probes_found"] == "100/100"
    for key in ("build_from_db_s", "follow_ms_median", "faiss_mih_build_s", "index_bytes"):
        assert result[key] > 0, key
