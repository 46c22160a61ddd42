"""Character 5-gram shingles, MinHash signatures in bulk, and a banded LSH index.

Shingles are hashed with numpy over a whole string at once (code points, so
CJK works), signatures come from rensa's bulk digest over those hashes (no
Python loop per shingle: see benchmarks/bench_minhash.py), and the index
bands signatures the way datasketch's `MinHashLSH` does, with the band keys of
many signatures computed in one numpy expression.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from itertools import accumulate

import numpy as np
import rensa

SHINGLE = 5  # characters per shingle
SEED = 1  # one seed for every signature, so references, windows and workers agree
_FNV = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def shingle_hashes(text: str) -> np.ndarray:
    """The 64-bit hash of every character 5-gram of `text`, in order (one per start position)."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    count = len(points) - SHINGLE + 1
    if count <= 0:
        return np.zeros(0, np.uint64)
    hashes = points[:count].astype(np.uint64)
    for k in range(1, SHINGLE):
        hashes *= _FNV
        hashes ^= points[k : count + k]
    hashes *= _MIX
    hashes ^= hashes >> np.uint64(29)
    return hashes


def signatures(hashes: Sequence[np.ndarray], num_perm: int) -> np.ndarray:
    """MinHash signatures (rows of `num_perm` uint32) of many shingle-hash arrays, in one call."""
    offsets = np.array([0, *accumulate(len(h) for h in hashes)], np.uint64)
    flat = np.concatenate(hashes) if len(hashes) else np.zeros(0, np.uint64)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, SEED)
    return np.array(matrix.to_rows(), dtype=np.uint32).reshape(len(hashes), num_perm)


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows whose S-curve turns at `threshold`: the (1/b)^(1/r) nearest to it."""
    rows = min(range(1, num_perm + 1), key=lambda r: abs((1 / (num_perm // r)) ** (1 / r) - threshold))
    return num_perm // rows, rows


class LSHIndex:
    """MinHash LSH: signatures that agree on every row of some band are candidates of each other.

    Example:
        >>> index = LSHIndex(0.5, 128)
        >>> sig = signatures([shingle_hashes("I am a helpful assistant.")], 128)
        >>> index.insert(index.keys(sig)[0], "ref-1")
        >>> index.query(index.keys(sig)[0])
        {'ref-1'}
    """

    def __init__(self, threshold: float, num_perm: int):
        self.num_perm = num_perm
        self.bands, self.rows = lsh_params(threshold, num_perm)
        rng = np.random.default_rng(SEED)
        self._weights = rng.integers(1, 2**63, size=self.rows, dtype=np.uint64) | np.uint64(1)
        self._salts = rng.integers(0, 2**63, size=self.bands, dtype=np.uint64)  # one key space for all bands
        self._buckets: dict[int, list[Hashable]] = defaultdict(list)

    def keys(self, sigs: np.ndarray) -> list[list[int]]:
        """The band keys of each signature row."""
        banded = sigs[:, : self.bands * self.rows].reshape(len(sigs), self.bands, self.rows).astype(np.uint64)
        return ((banded * self._weights).sum(axis=2, dtype=np.uint64) ^ self._salts).tolist()

    def insert(self, keys: Iterable[int], value: Hashable) -> None:
        """Index one signature (by its band keys) under `value`."""
        for key in keys:
            self._buckets[key].append(value)

    def query(self, keys: Iterable[int]) -> set:
        """The values of every indexed signature sharing a band with these keys."""
        found: set = set()
        for key in keys:
            bucket = self._buckets.get(key)
            if bucket:
                found.update(bucket)
        return found
