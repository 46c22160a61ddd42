"""A finished scan's folder read back: its summary, and its hits streamed in record batches, never whole."""

from __future__ import annotations

import json
from collections.abc import Iterator

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError

BATCH_ROWS = 65536


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


def hit_batches(out_dir: str, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The hits of a scan folder (`hits.parquet`), batch by batch, only the columns asked for."""
    path = f"{out_dir.rstrip('/')}/hits.parquet"
    try:
        with fsspec.open(path, "rb") as f:
            yield from pq.ParquetFile(f).iter_batches(batch_size=BATCH_ROWS, columns=columns)
    except FileNotFoundError:
        raise InputError(f"{path}: not found (is {out_dir} the output folder of a scan?)") from None
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{path}: not a readable hits file ({e})") from None


def fingerprints(out_dir: str) -> pa.Array:
    """Every fingerprint of a scan as one Arrow array: one column in memory, for vectorised lookups."""
    chunks = [b.column("fingerprint") for b in hit_batches(out_dir, ["fingerprint"])]
    return pa.chunked_array(chunks, pa.string()).combine_chunks()
