"""Typer entry point. Each command parses, calls one service function, renders."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Takedown: child-safety report-and-takedown service.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks against named baselines (prints ratios).")
app.add_typer(bench_app, name="bench")


def _emit(data: object, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        typer.echo(json.dumps(data, indent=2, default=str))


@app.command("hash")
def hash_command(files: list[Path]) -> None:
    """Fingerprint files: one JSON line per file (md5, sha256, pdq or video frames, or error)."""
    from takedown.fingerprints.service import hash_path

    for path in files:
        typer.echo(json.dumps(hash_path(path)))


@bench_app.command("match")
def bench_match(
    n: int = typer.Option(1_000_000, "--n", help="random PDQ hashes in the index"),
    queries: int = typer.Option(200, help="queries timed"),
    radius: int = typer.Option(31, help="Hamming radius"),
    seed: int = typer.Option(7, help="random seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """PDQ radius search vs FAISS IndexBinaryFlat and IndexBinaryMultiHash (HMA's)."""
    from takedown.bench.match import run

    _emit(run(n=n, queries=queries, radius=radius, seed=seed), as_json)


@bench_app.command("hash")
def bench_hash(
    images: int = typer.Option(40, help="1-megapixel JPEGs generated and hashed"),
    seed: int = typer.Option(7, help="random seed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """File-to-PDQ hashing vs HMA's way (Pillow full decode, RGB, pdqhash)."""
    from takedown.bench.hashing import run

    _emit(run(images=images, seed=seed), as_json)
