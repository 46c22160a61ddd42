"""A finished scan's folder read back: its summary, and its hits streamed in record batches, never whole."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import accumulate

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError

BATCH_ROWS = 65536
FETCH_ROWS = 8192  # small: fetching a few rows should not decode a whole row group


def read_summary(out_dir: str) -> dict:
    """The `summary.json` of a scan folder."""
    path = f"{out_dir.rstrip('/')}/summary.json"
    try:
        with fsspec.open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: not found (is {out_dir} the output folder of a scan?)") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({e})") from None


@contextmanager
def hits_file(out_dir: str) -> Iterator[pq.ParquetFile]:
    """The `hits.parquet` of a scan folder, open; a missing or unreadable file is an InputError naming it."""
    path = f"{out_dir.rstrip('/')}/hits.parquet"
    try:
        with fsspec.open(path, "rb") as f:
            yield pq.ParquetFile(f)
    except FileNotFoundError:
        raise InputError(f"{path}: not found (is {out_dir} the output folder of a scan?)") from None
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{path}: not a readable hits file ({e})") from None


def hit_batches(out_dir: str, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The hits of a scan folder, batch by batch, only the columns asked for."""
    with hits_file(out_dir) as hits:
        yield from hits.iter_batches(batch_size=BATCH_ROWS, columns=columns)


def hits_at(out_dir: str, positions: list[int], columns: list[str] | None = None) -> list[dict]:
    """The hits at these positions in `hits.parquet`, in the order given, reading no further than needed.

    Finding positions on one narrow column and then fetching a few rows keeps memory to
    one column and a batch, however many hits the scan has.
    """
    found = {}
    with hits_file(out_dir) as hits:
        sizes = [hits.metadata.row_group(g).num_rows for g in range(hits.metadata.num_row_groups)]
        starts = [0, *accumulate(sizes)]
        by_group = defaultdict(list)
        for p in positions:
            by_group[bisect_right(starts, p) - 1].append(p)
        for group, wanted in by_group.items():
            at = starts[group]
            for batch in hits.iter_batches(batch_size=FETCH_ROWS, row_groups=[group], columns=columns):
                inside = [p for p in wanted if at <= p < at + batch.num_rows]
                if inside:
                    found.update(zip(inside, batch.take([p - at for p in inside]).to_pylist()))
                at += batch.num_rows
                if at > max(wanted):
                    break
    return [found[p] for p in positions]


def fingerprints(out_dir: str) -> pa.Array:
    """Every fingerprint of a scan as one Arrow array: one column in memory, for vectorised lookups."""
    chunks = [b.column("fingerprint") for b in hit_batches(out_dir, ["fingerprint"])]
    return pa.chunked_array(chunks, pa.string()).combine_chunks()
