"""A quick look at a huge corpus: its first N rows or a seeded share of them, and what they say of the whole.

`--limit N` scans the first N rows in input order. Units of known size (Parquet row
groups) are cut to the rows still wanted; a unit of unknown size (a JSON Lines file,
a streamed dataset) may hold all of them, so the units after it are not read.

`--sample FRACTION` keeps each row with that probability, decided by a hash of its
source, row number and the seed: the same rows whatever the batch size, the worker
count or a resume. Rows not drawn are counted (`rows_not_sampled`), never scanned.

Either way the summary's `estimate` gives the contamination rate of the rows scanned
with a 95% Wilson score interval: what the rate of the whole corpus is likely to be.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator

import numpy as np

from .sources import Batch, WorkUnit

Z95 = 1.959963984540054  # the two-sided 95% quantile of the normal distribution


def sample_mask(source: str, rows: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Which of these rows of `source` a seeded sample of `fraction` keeps."""
    salt = int.from_bytes(hashlib.blake2b(f"{seed}\0{source}".encode(), digest_size=8).digest(), "little")
    x = np.asarray(rows, dtype=np.uint64) ^ np.uint64(salt)
    # splitmix64: consecutive row numbers become independent uniform draws
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / 2.0**53 < fraction


class LimitedUnit(WorkUnit):
    """The first `max_rows` rows (read, scanned or skipped) of a unit."""

    def __init__(self, unit: WorkUnit, max_rows: int):
        self.unit, self.max_rows = unit, max_rows
        self.source = unit.source
        self.key = f"{unit.key}[:{max_rows}]"

    def schema(self):
        return self.unit.schema()

    def rows_hint(self) -> int | None:
        hint = self.unit.rows_hint()
        return self.max_rows if hint is None else min(hint, self.max_rows)

    def batches(self, columns: list[str] | None) -> Iterator[Batch]:
        wanted = self.max_rows
        for batch in self.unit.batches(columns):
            numbers = np.sort(np.concatenate([batch.rows, [r for r, _ in batch.skipped]]).astype(np.int64))
            if len(numbers) <= wanted:
                wanted -= len(numbers)
                yield batch
                if wanted == 0:
                    return
                continue
            beyond = numbers[wanted]  # the first row number not wanted
            keep = batch.rows < beyond
            yield Batch(
                batch.source, batch.table.filter(keep), batch.rows[keep], [s for s in batch.skipped if s[0] < beyond]
            )
            return


def limit_units(units: list[WorkUnit], limit: int) -> list[WorkUnit]:
    """The units holding the first `limit` rows, the last one cut."""
    out: list[WorkUnit] = []
    for unit in units:
        if limit <= 0:
            break
        hint = unit.rows_hint()
        out.append(unit if hint is not None and hint <= limit else LimitedUnit(unit, limit))
        limit -= limit if hint is None else min(hint, limit)
    return out


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (sound at 0 and for rare events)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    low = 0.0 if successes == 0 else (centre - spread) / denominator  # exact at the ends, not off by rounding
    high = 1.0 if successes == trials else (centre + spread) / denominator
    return low, high


def estimate(documents: int, rows: int, *, sample: float | None, seed: int, limit: int | None) -> dict:
    """The contamination rate of the rows scanned, per million, with its 95% confidence interval."""
    low, high = wilson(documents, rows)
    return {
        "method": "wilson score interval, 95%",
        "sample": sample,
        "seed": seed if sample is not None else None,
        "limit": limit,
        "rows_scanned": rows,
        "documents_with_hits": documents,
        "per_million": round(documents / rows * 1e6, 2) if rows else 0.0,
        "ci95_per_million": [round(low * 1e6, 2), round(high * 1e6, 2)],
    }


def sample_batch(batch: Batch, fraction: float, seed: int) -> tuple[Batch, int]:
    """The batch's rows a seeded sample keeps, and how many it left out."""
    keep = sample_mask(batch.source, batch.rows, fraction, seed)
    kept = Batch(batch.source, batch.table.filter(keep), batch.rows[keep], batch.skipped)
    return kept, int(len(keep) - keep.sum())
