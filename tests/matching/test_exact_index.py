"""ExactIndex: MD5 / SHA-256 lookups through adds, removes and compactions."""

import hashlib
import threading

import numpy as np
import pytest

from takedown.matching.index import ExactIndex


def md5(i: int) -> bytes:
    return hashlib.md5(str(i).encode()).digest()


def sha256(i: int) -> bytes:
    return hashlib.sha256(str(i).encode()).digest()


@pytest.mark.parametrize("digest", [md5, sha256])
def test_build_and_lookup(digest):
    index = ExactIndex(len(digest(0)))
    index.build(range(100), [digest(i // 2) for i in range(100)])  # two ids per digest
    assert len(index) == 100
    assert index.lookup(digest(7)).tolist() == [14, 15]
    assert index.lookup(digest(1000)).tolist() == []


def test_uint8_array_input_and_trailing_zero_bytes():
    digests = np.zeros((3, 16), dtype=np.uint8)
    digests[1, 0] = 1
    digests[2, 15] = 1
    index = ExactIndex(16)
    index.build([10, 11, 12], digests)
    assert index.lookup(bytes(16)).tolist() == [10]
    assert index.lookup(b"\x01" + bytes(15)).tolist() == [11]
    assert index.lookup(bytes(15) + b"\x01").tolist() == [12]
    index.add([13], [bytes(16)])
    assert index.lookup(bytes(16)).tolist() == [10, 13]


@pytest.mark.parametrize("compact_after", [1, 10, 10_000])
def test_add_remove_replace_match_a_dict(compact_after):
    rng = np.random.default_rng(compact_after)
    index = ExactIndex(32, compact_after=compact_after)
    model = {i: sha256(i % 50) for i in range(200)}
    index.build(list(model), list(model.values()))
    for _ in range(20):
        ids = rng.integers(0, 400, size=8).tolist()
        digests = [sha256(int(x)) for x in rng.integers(0, 60, size=8)]
        index.add(ids, digests)
        model.update(zip(ids, digests, strict=True))
        gone = rng.integers(0, 400, size=6).tolist()
        assert index.remove(gone) == len({i for i in gone if i in model})
        for i in gone:
            model.pop(i, None)
    assert len(index) == len(model)
    for k in range(60):
        want = sorted(i for i, d in model.items() if d == sha256(k))
        assert index.lookup(sha256(k)).tolist() == want


def test_rejects_bad_input():
    index = ExactIndex(16)
    with pytest.raises(ValueError):
        index.add([1], [b"short"])
    with pytest.raises(ValueError):
        index.build([1, 1], [md5(1), md5(2)])
    with pytest.raises(ValueError):
        index.lookup(sha256(1))


def test_lookups_from_threads_while_writing():
    index = ExactIndex(16, compact_after=50)
    index.build(range(1000), [md5(i) for i in range(1000)])
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for i in range(2000):
                assert index.lookup(md5(500 + i % 400)).tolist() == [500 + i % 400]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(300):
        index.add([10_000 + i], [md5(10_000 + i)])
        index.remove([i])
    for t in threads:
        t.join(30)
    assert not errors
    assert len(index) == 1000
    assert index.index_bytes > 0
