"""Smoke tests of `takedown bench match` at tiny sizes: shapes and recall, no timing."""

import json

from typer.testing import CliRunner

from takedown.bench.match import ALL, KINDS, report, run, run_sizes
from takedown.cli import app

PER_KIND = {
    "ms_per_query", "lookups_per_s", "recall", "identical_to_brute_force", "batch_recall",
    "batch_identical", "x_slower_than_ours", "x_fewer_lookups_than_ours",
}  # fmt: skip


def test_every_contender_on_the_same_queries_both_kinds():
    result = run(n=20_000, queries=40, batch=80, radius=31, seed=1, rounds=2)
    assert set(result["contenders"]) == set(ALL)
    for name in set(ALL) - {"ours"}:  # ours timed beside each baseline, in every round
        adjacent = result["contenders"][name]["ours_adjacent"]
        assert set(adjacent) == set(KINDS) and adjacent["near"]["ms_per_query"] > 0
        assert len(result["contenders"][name]["near"]["rounds_ms"]) == 2
    for name, res in result["contenders"].items():
        assert res["build_s"] > 0, name
        for kind in KINDS:
            assert res[kind].keys() >= PER_KIND, (name, kind)
            assert res[kind]["ms_per_query"] > 0 and res[kind]["lookups_per_s"] > 0
    ours = result["contenders"]["ours"]
    for kind in KINDS:
        assert ours[kind]["identical_to_brute_force"] and ours[kind]["batch_identical"], kind
        assert ours[kind]["x_slower_than_ours"] == 1.0
    # HMA's matcher (16 chunks, one flip each) is complete at radius 31 too.
    assert result["contenders"]["threatexchange"]["near"]["recall"] == 1.0
    # Near-duplicates at 0..31 bits are found; 32 is outside: about 32 of 33 queries match.
    assert 0.9 <= result["matches_per_query"]["near"] <= 1.1
    assert result["matches_per_query"]["random"] < 0.1
    assert len(result["load_avg_before"]) == 3 and result["machine"]["cores"] >= 1
    assert any("threatexchange" in line and "ours" in line for line in report(result))


def test_scaling_rows_per_size_and_contender():
    result = run_sizes([4000, 8000], queries=10, batch=20, only=("ours", "faiss_mih"))
    assert [r["n"] for r in result["runs"]] == [4000, 8000]
    assert {(r["n"], r["contender"]) for r in result["scaling"]} == {
        (n, c) for n in (4000, 8000) for c in ("ours", "faiss_mih")
    }  # FAISS flat is the truth, and reported only when asked for
    assert all(r["near_recall"] == 1.0 for r in result["scaling"])


def test_cli_prints_json_and_ratios():
    out = CliRunner().invoke(
        app,
        ["bench", "match", "--n", "3000", "--queries", "5", "--batch", "10",
         "--only", "ours,faiss_flat", "--json"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(result["contenders"]) == {"ours", "faiss_flat"}
    assert "x ours" in out.stderr
