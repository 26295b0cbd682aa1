"""PdqIndex against a numpy brute force: planted neighbours, layouts, changes, threads."""

import threading

import numpy as np
import pytest

from takedown.matching import index as index_module
from takedown.matching import mih
from takedown.matching.index import Matches, PdqIndex, as_words
from takedown.matching.mih import Layout, MultiIndex

N = 50_000
RNG_SEED = 11


def random_words(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64 - 1, size=(n, 4), dtype=np.uint64, endpoint=True)


def flip(rng: np.random.Generator, word: np.ndarray, d: int, bits: range = range(256)):
    """`word` with `d` distinct bits flipped, chosen among `bits`."""
    out = np.unpackbits(word.view(np.uint8), bitorder="little")
    out[rng.choice(np.array(bits), size=d, replace=False)] ^= 1
    return np.packbits(out, bitorder="little").view(np.uint64)


def brute(ids: np.ndarray, words: np.ndarray, q: np.ndarray, radius: int) -> Matches:
    d = np.bitwise_count(words ^ q).sum(axis=1)
    hit = np.nonzero(d <= radius)[0]
    order = np.lexsort((ids[hit], d[hit]))
    return Matches(ids[hit][order], d[hit][order].astype(np.int32))


def assert_same(got: Matches, want: Matches) -> None:
    np.testing.assert_array_equal(got.ids, want.ids)
    np.testing.assert_array_equal(got.distances, want.distances)


def planted(rng: np.random.Generator, n: int, queries: int, bits: range = range(256)):
    """(words, queries): each query has neighbours at every distance 0..40 among `bits`."""
    words = random_words(rng, n)
    qs = random_words(rng, queries)
    rows = rng.choice(n, size=(queries, 41), replace=False)
    for k in range(queries):
        for d in range(41):
            words[rows[k, d]] = flip(rng, qs[k], min(d, len(bits)), bits)
    return words, qs


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(RNG_SEED)
    words, qs = planted(rng, N, 12)
    ids = rng.permutation(N).astype(np.int64) * 7 - 1000
    index = PdqIndex()
    index.build(ids, words)
    return ids, words, qs, index


@pytest.mark.parametrize("radius", [0, 1, 8, 31, 32])
def test_planted_neighbours_match_brute_force(data, radius):
    ids, words, qs, index = data
    assert not index._state.main.scans(radius)  # the multi-index path is the one tested
    for q in qs:
        assert_same(index.query(q, radius), brute(ids, words, q, radius))


def test_radius_31_finds_31_not_32(data):
    ids, words, qs, index = data
    m = index.query(qs[0])
    assert m.distances.max() == 31
    assert 32 not in brute(ids, words, qs[0], 31).distances


def test_large_radius_scans_and_still_matches(data):
    ids, words, qs, index = data
    assert index._state.main.scans(60)
    assert_same(index.query(qs[1], 60), brute(ids, words, qs[1], 60))


@pytest.mark.parametrize(
    "layout", [Layout(11, 21), Layout(16, 16), Layout(11, 14), Layout(4, 12), Layout(1, 8)]
)
def test_layouts_match_brute_force(layout, monkeypatch):
    monkeypatch.setattr(mih, "SCAN_COST", 0)  # always probe, even where a scan is cheaper
    rng = np.random.default_rng(3)
    words, qs = planted(rng, 8_000, 4)
    multi = MultiIndex.build(words, layout)
    no_dead = np.empty(0, dtype=np.int64)
    rows = np.arange(len(words), dtype=np.int64)
    for radius in (0, 5, 31, 32):
        assert not multi.scans(radius)
        for q in qs:
            got_rows, got_d = multi.query(q, radius, no_dead)
            order = np.lexsort((got_rows, got_d))
            assert_same(Matches(got_rows[order], got_d[order]), brute(rows, words, q, radius))


@pytest.mark.parametrize("chunk", [0, 5, 10, 11])
def test_differences_inside_one_chunk(chunk, monkeypatch):
    monkeypatch.setattr(mih, "SCAN_COST", 0)
    # With 11 chunks of 14 bits, chunk 11 stands for the 102 bits no chunk covers.
    rng = np.random.default_rng(chunk)
    bits = range(chunk * 14, min(256, chunk * 14 + 14)) if chunk < 11 else range(154, 256)
    words, qs = planted(rng, N, 3, bits)
    index = PdqIndex(layout=Layout(11, 14))
    index.build(np.arange(N), words)
    assert not index._state.main.scans(31)
    for q in qs:
        for radius in (0, 1, 2, 3, 13, 14, 31):
            assert_same(index.query(q, radius), brute(np.arange(N), words, q, radius))


def test_duplicates_and_all_zero_hash():
    rng = np.random.default_rng(5)
    words = random_words(rng, N)
    zero = np.zeros(4, dtype=np.uint64)
    words[:3000] = zero
    words[3000:4000] = ~zero
    words[4000:5000] = words[4000]
    for d, row in enumerate(range(5000, 5040)):
        words[row] = flip(rng, zero, d)
    ids = np.arange(N, dtype=np.int64)
    index = PdqIndex()
    index.build(ids, words)
    for q in (zero, ~zero, words[4000]):
        for radius in (0, 31, 32):
            assert_same(index.query(q, radius), brute(ids, words, q, radius))
    assert len(index.query(zero, 0).ids) == 3001  # with the planted copy at distance 0


def test_query_orientations_takes_min_distance(data):
    ids, words, qs, index = data
    rng = np.random.default_rng(1)
    eight = np.stack([qs[0], flip(rng, qs[0], 3), *qs[1:7]])
    got = index.query_orientations(eight.view(np.uint8))
    per = [brute(ids, words, q, 31) for q in eight]
    best: dict[int, int] = {}
    for m in per:
        for i, d in zip(m.ids.tolist(), m.distances.tolist(), strict=True):
            best[i] = min(d, best.get(i, d))
    want = sorted(best.items(), key=lambda kv: (kv[1], kv[0]))
    assert list(zip(got.ids.tolist(), got.distances.tolist(), strict=True)) == want
    assert len(got.ids) == len(set(got.ids.tolist()))


def test_hash_input_forms():
    rng = np.random.default_rng(2)
    words = random_words(rng, 10)
    raw = words.view(np.uint8)
    np.testing.assert_array_equal(as_words(raw), words)
    np.testing.assert_array_equal(as_words([bytes(r) for r in raw]), words)
    np.testing.assert_array_equal(as_words(raw[3].tobytes()), words[3:4])
    index = PdqIndex()
    index.build(list(range(10)), raw)
    assert index.query(raw[3].tobytes(), 0).ids.tolist() == [3]
    assert index.query(words[3], 0).ids.tolist() == [3]
    with pytest.raises(ValueError):
        as_words(b"short")
    with pytest.raises(ValueError):
        index.query(raw[:2])


def test_build_sorts_ids_and_rejects_duplicates():
    rng = np.random.default_rng(4)
    words = random_words(rng, 100)
    index = PdqIndex()
    index.build(np.arange(100)[::-1], words)
    assert index.query(words[0], 0).ids.tolist() == [99]
    with pytest.raises(ValueError, match="duplicate"):
        index.build([1, 2, 1], words[:3])
    with pytest.raises(ValueError, match="length"):
        index.build([1, 2], words[:3])


class Model:
    """What the index should contain: id -> words."""

    def __init__(self) -> None:
        self.rows: dict[int, np.ndarray] = {}

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        ids = np.array(sorted(self.rows), dtype=np.int64)
        words = np.array([self.rows[i] for i in ids.tolist()], dtype=np.uint64).reshape(-1, 4)
        return ids, words

    def check(self, index: PdqIndex, queries: np.ndarray, radius: int = 31) -> None:
        ids, words = self.arrays()
        assert len(index) == len(ids)
        for q in queries:
            assert_same(index.query(q, radius), brute(ids, words, q, radius))


def random_changes(rng, index: PdqIndex, model: Model, qs: np.ndarray, rounds: int) -> None:
    for _ in range(rounds):
        known = np.array(sorted(model.rows), dtype=np.int64)
        new_ids = rng.integers(0, 40_000, size=30)
        new_ids[:10] = rng.choice(known, size=10)  # replacements
        new_words = np.stack(
            [flip(rng, qs[rng.integers(len(qs))], rng.integers(0, 40)) for _ in new_ids]
        )
        index.add(new_ids, new_words)
        for i, w in zip(new_ids.tolist(), new_words, strict=True):
            model.rows[i] = w
        gone = np.concatenate([rng.choice(known, size=20), rng.integers(10**6, 10**7, size=3)])
        expected = len({i for i in gone.tolist() if i in model.rows})
        assert index.remove(gone) == expected
        for i in gone.tolist():
            model.rows.pop(i, None)


def test_add_remove_delta_and_compaction():
    rng = np.random.default_rng(8)
    words, qs = planted(rng, 20_000, 6)
    model = Model()
    model.rows = {2 * i: words[i] for i in range(len(words))}
    index = PdqIndex(compact_after=500)
    index.build(*model.arrays())
    random_changes(rng, index, model, qs, rounds=10)
    assert index.needs_compaction
    model.check(index, qs)
    for r in (0, 32):
        model.check(index, qs[:2], r)
    index.compact()
    assert not index.needs_compaction
    assert index._state.delta_ids.shape[0] == 0
    model.check(index, qs)
    random_changes(rng, index, model, qs, rounds=3)
    model.check(index, qs)


def test_compaction_keeps_changes_made_while_it_runs(monkeypatch):
    rng = np.random.default_rng(9)
    words, qs = planted(rng, 10_000, 4)
    model = Model()
    model.rows = dict(enumerate(words))
    index = PdqIndex()
    index.build(*model.arrays())
    random_changes(rng, index, model, qs, rounds=2)
    started, go_on = threading.Event(), threading.Event()
    real_of = index_module._State.of.__func__

    def slow_of(cls, ids, words, layout):
        started.set()
        assert go_on.wait(30)
        return real_of(cls, ids, words, layout)

    monkeypatch.setattr(index_module._State, "of", classmethod(slow_of))
    worker = threading.Thread(target=index.compact)
    worker.start()
    try:
        assert started.wait(30)
        random_changes(rng, index, model, qs, rounds=3)
        model.check(index, qs)  # queries keep working during the rebuild
    finally:
        go_on.set()
        worker.join(30)
    assert index._state.delta_ids.shape[0] > 0  # the replayed changes
    model.check(index, qs)


def test_queries_from_threads_while_writing():
    rng = np.random.default_rng(10)
    words, qs = planted(rng, 20_000, 4)
    index = PdqIndex(compact_after=200)
    index.build(np.arange(len(words)), words)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                for q in qs:
                    m = index.query(q)
                    assert np.all(m.distances <= 31)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    for k in range(30):
        index.add([100_000 + k], flip(rng, qs[k % 4], 5)[None, :])
        index.remove([k])
        if index.needs_compaction:
            index.compact()
    stop.set()
    for t in readers:
        t.join(30)
    assert not errors
    assert 100_029 in index.query(qs[29 % 4]).ids.tolist()
    assert len(index) == len(words)


def test_empty_index():
    index = PdqIndex()
    zero = np.zeros(4, dtype=np.uint64)
    assert len(index.query(zero).ids) == 0
    index.add([5], zero[None, :])
    assert index.query(zero).ids.tolist() == [5]
    assert index.remove([5, 6]) == 1
    index.compact()
    assert len(index) == 0
    assert index.index_bytes > 0


def test_warm_up_runs():
    index_module.warm_up()
