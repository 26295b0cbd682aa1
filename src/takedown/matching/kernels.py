"""Numba kernels for exact Hamming radius search over 256-bit hashes (rows of 4 uint64 words).

Multi-index hashing: the 256 bits are cut into `m` chunks of `b` bits (leftover bits unused).
If every chunk c is probed up to `t[c]` flipped bits and sum(t[c] + 1) > radius, any hash
within `radius` agrees with the query on some chunk c up to t[c] bits (pigeonhole), so the
candidate set is complete. A match is reported only by the first chunk that can see it, which
removes duplicates without a set.

A query runs in three passes (bucket bounds, candidate rows, verification), each a simple loop
that prefetches a few iterations ahead: almost every load is a cache miss, and overlapping
them is what makes the search fast.
"""

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]  # llvmlite ships no types, no stubs exist
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

AHEAD = 16  # prefetch distance, in loop iterations

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


@intrinsic
def prefetch(typingctx, arr, idx):
    """Hint the CPU to fetch arr[idx] (1-D array) into cache; no effect on results."""
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always")
def popcount64(x: np.uint64) -> int:
    # LLVM turns this pattern into a single popcnt instruction.
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return int((x * _H01) >> np.uint64(56))


@njit(inline="always")
def distance(words: np.ndarray, p: int, q: np.ndarray) -> int:
    return (
        popcount64(words[p, 0] ^ q[0])
        + popcount64(words[p, 1] ^ q[1])
        + popcount64(words[p, 2] ^ q[2])
        + popcount64(words[p, 3] ^ q[3])
    )


@njit(inline="always")
def chunk_of(row: np.ndarray, start: int, nbits: int) -> int:
    """Bits [start, start + nbits) of a 256-bit row (row[0] holds bits 0..63), nbits <= 32."""
    word = start >> 6
    off = np.uint64(start & 63)
    v = row[word] >> off
    if off != 0 and word < 3:
        v |= row[word + 1] << (np.uint64(64) - off)
    return int(v & ((np.uint64(1) << np.uint64(nbits)) - np.uint64(1)))


@njit(nogil=True, cache=True)
def bucket_sort(words: np.ndarray, start: int, nbits: int, offsets, positions) -> None:
    """CSR of row numbers by chunk value: `offsets` (2**nbits + 1) and `positions` (n)."""
    n = words.shape[0]
    keys = np.empty(n, dtype=np.uint32)
    for i in range(n):
        keys[i] = chunk_of(words[i], start, nbits)
    offsets[:] = 0
    for i in range(n):
        offsets[keys[i] + 1] += 1
    for k in range(1 << nbits):
        offsets[k + 1] += offsets[k]
    fill = offsets[:-1].copy()
    for i in range(n):
        k = keys[i]
        positions[fill[k]] = i
        fill[k] += 1


@njit(inline="always")
def _is_dead(dead: np.ndarray, pos: int) -> bool:
    if dead.shape[0] == 0:
        return False
    j = np.searchsorted(dead, pos)
    return j < dead.shape[0] and dead[j] == pos


@njit(inline="always")
def _seen_earlier(row, qkeys, thresholds, c: int, nbits: int) -> bool:
    for e in range(c):
        if thresholds[e] >= 0:
            key = chunk_of(row, e * nbits, nbits)
            if popcount64(np.uint64(key ^ qkeys[e])) <= thresholds[e]:
                return True
    return False


@njit(nogil=True, cache=True)
def _bucket_bounds(offsets, thresholds, nprobes, masks, qkeys):
    """Flat start/end indices (into positions.ravel()) of every probed bucket, chunk by chunk."""
    m, stride = offsets.shape
    n_rows = offsets[0, stride - 1]  # every chunk's last offset is the number of rows
    flat = offsets.reshape(-1)
    total = 0
    for c in range(m):
        if thresholds[c] >= 0:
            total += nprobes[c]
    starts = np.empty(total, dtype=np.int64)
    ends = np.empty(total, dtype=np.int64)
    chunk_of_probe = np.empty(total, dtype=np.int32)
    i = 0
    for c in range(m):
        if thresholds[c] < 0:
            continue
        base = c * stride
        qk = qkeys[c]
        for k in range(nprobes[c]):
            if k + AHEAD < nprobes[c]:
                prefetch(flat, base + (qk ^ masks[k + AHEAD]))
            key = qk ^ masks[k]
            starts[i] = c * n_rows + flat[base + key]
            ends[i] = c * n_rows + flat[base + key + 1]
            chunk_of_probe[i] = c
            i += 1
    return starts, ends, chunk_of_probe


@njit(nogil=True, cache=True)
def _gather(positions, starts, ends, chunk_of_probe):
    """Candidate rows (and the chunk that found each) from the probed buckets."""
    flat = positions.reshape(-1)
    total = 0
    for i in range(starts.shape[0]):
        total += ends[i] - starts[i]
    rows = np.empty(total, dtype=np.uint32)
    chunks = np.empty(total, dtype=np.int32)
    j = 0
    for i in range(starts.shape[0]):
        if i + AHEAD < starts.shape[0] and ends[i + AHEAD] > starts[i + AHEAD]:
            prefetch(flat, starts[i + AHEAD])
        for s in range(starts[i], ends[i]):
            rows[j] = flat[s]
            chunks[j] = chunk_of_probe[i]
            j += 1
    return rows, chunks


@njit(nogil=True, cache=True)
def mih_query(words, offsets, positions, nbits, thresholds, nprobes, masks, dead, q, radius):
    """Rows of `words` within `radius` of `q` and not in sorted `dead`, with distances."""
    m = thresholds.shape[0]
    qkeys = np.empty(m, dtype=np.int64)
    for c in range(m):
        qkeys[c] = chunk_of(q, c * nbits, nbits)
    starts, ends, chunk_of_probe = _bucket_bounds(offsets, thresholds, nprobes, masks, qkeys)
    rows, chunks = _gather(positions, starts, ends, chunk_of_probe)
    # Matches are compacted in place into rows/chunks (reused for distances): growing an
    # output array inside this loop would cost refcounting on every iteration.
    flat = words.reshape(-1)
    count = 0
    for j in range(rows.shape[0]):
        if j + AHEAD < rows.shape[0]:
            prefetch(flat, np.int64(rows[j + AHEAD]) * 4)
        p = rows[j]
        d = distance(words, p, q)
        if d <= radius:
            if _seen_earlier(words[p], qkeys, thresholds, chunks[j], nbits) or _is_dead(dead, p):
                continue
            rows[count] = p
            chunks[count] = d
            count += 1
    return rows[:count].astype(np.int64), chunks[:count].copy()


SCAN_BLOCK = 4096


@njit(nogil=True, cache=True)
def brute_query(words, dead, q, radius):
    """Rows of `words` within `radius` of `q` and not in sorted `dead`, by a full scan."""
    n = words.shape[0]
    found = np.empty(SCAN_BLOCK, dtype=np.int64)
    found_dist = np.empty(SCAN_BLOCK, dtype=np.int32)
    out_pos = np.empty(16, dtype=np.int64)
    out_dist = np.empty(16, dtype=np.int32)
    count = 0
    for block in range(0, n, SCAN_BLOCK):
        k = 0
        for p in range(block, min(n, block + SCAN_BLOCK)):
            d = distance(words, p, q)
            if d <= radius:
                found[k] = p
                found_dist[k] = d
                k += 1
        for i in range(k):
            if not _is_dead(dead, found[i]):
                out_pos, out_dist, count = _push(out_pos, out_dist, count, found[i], found_dist[i])
    return out_pos[:count], out_dist[:count]


@njit(inline="always")
def _push(buf_pos, buf_dist, count, pos, dist):
    if count == buf_pos.shape[0]:
        new_pos = np.empty(count * 2, dtype=buf_pos.dtype)
        new_dist = np.empty(count * 2, dtype=buf_dist.dtype)
        new_pos[:count] = buf_pos
        new_dist[:count] = buf_dist
        buf_pos, buf_dist = new_pos, new_dist
    buf_pos[count] = pos
    buf_dist[count] = dist
    return buf_pos, buf_dist, count + 1


@njit(nogil=True, cache=True)
def min_per_key(keys: np.ndarray, dists: np.ndarray):
    """Unique keys with the smallest distance seen for each."""
    order = np.argsort(keys, kind="mergesort")
    out_keys = np.empty(keys.shape[0], dtype=keys.dtype)
    out_dists = np.empty(keys.shape[0], dtype=dists.dtype)
    count = 0
    for i in order:
        if count > 0 and out_keys[count - 1] == keys[i]:
            out_dists[count - 1] = min(out_dists[count - 1], dists[i])
        else:
            out_keys[count] = keys[i]
            out_dists[count] = dists[i]
            count += 1
    return out_keys[:count], out_dists[:count]
